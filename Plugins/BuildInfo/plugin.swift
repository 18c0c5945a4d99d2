import Foundation
import PackagePlugin

/// Records the git commit the `leadboard` executable is built from (for `leadboard --version`).
/// A prebuild command runs `build-info.sh` through /bin/sh before every build; the script writes
/// `BuildInfo.swift` (`let buildCommit = "…"`) only when the commit changes, and writes "unknown"
/// instead of failing when git or the checkout is missing.
@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let script = package.appendingPathComponent("Plugins/BuildInfo/build-info.sh")
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("Generated")
        return [
            .prebuildCommand(
                displayName: "Recording the git commit for --version",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, package.path, output.path],
                outputFilesDirectory: output)
        ]
    }
}
