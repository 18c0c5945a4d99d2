import Foundation
import Hummingbird

/// The files under `Public/`, read into memory at start-up and served under `/static/` with an
/// ETag. They are small (a stylesheet and a few scripts), so this beats a disk read per request.
struct StaticFiles: Sendable {
    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
        let etag: String
    }

    let assets: [String: Asset]

    init(directory: String) throws {
        var assets: [String: Asset] = [:]
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        if let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in enumerator {
                guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
                let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count + 1))
                let data = try Data(contentsOf: url)
                var buffer = ByteBuffer()
                buffer.writeBytes(data)
                let etag = "\"" + String(SHA256Hasher.hex(Array(data)).prefix(16)) + "\""
                assets[relative] = Asset(body: buffer, contentType: Self.contentType(for: url.pathExtension), etag: etag)
            }
        }
        self.assets = assets
    }

    static func contentType(for ext: String) -> String {
        switch ext.lowercased() {
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        default: "application/octet-stream"
        }
    }

    func response(for path: String, request: Request) throws -> Response {
        guard let asset = assets[path] else { throw HTTPError(.notFound) }
        var headers: HTTPFields = [
            .contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "public, max-age=300",
        ]
        if request.headers[.ifNoneMatch] == asset.etag {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }
}
