import Foundation
import PackagePlugin

/// Records the git commit the `leadboard` executable is built from (for `leadboard --version`):
/// runs `build-info.sh` through /bin/sh, which writes `BuildInfo.swift` (`let buildCommit = "…"`),
/// "unknown" when git or the checkout is missing, and never fails the build.
///
/// A build command rather than a prebuild command: with SwiftPM 6.3 a prebuild command ran only when
/// the build plan was regenerated, so a new commit kept the old value. As a build command it reruns
/// whenever one of its inputs changes: git's HEAD, index and HEAD reflog (rewritten by every commit,
/// checkout and reset) and every source file of the package (for the "-modified" mark).
@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let script = package.appendingPathComponent("Plugins/BuildInfo/build-info.sh")
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("BuildInfo.swift")
        let git = package.appendingPathComponent(".git")
        // Files git rewrites on every commit, checkout or reset, and never deletes (a listed input that
        // vanished would fail the build, which is why branch ref files are not listed: `git gc` packs them).
        var inputs = [script]
        for name in ["HEAD", "index", "logs/HEAD"] {
            let url = git.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { inputs.append(url) }
        }
        for case let sourceTarget as SourceModuleTarget in context.package.targets {
            inputs += sourceTarget.sourceFiles.map(\.url)
        }
        return [
            .buildCommand(
                displayName: "Recording the git commit for --version",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, package.path, output.path],
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }
}
