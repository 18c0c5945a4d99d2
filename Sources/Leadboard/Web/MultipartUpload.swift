import Foundation
import Hummingbird
import MultipartKit

/// A file part received from a multipart form, written to a temporary file while it streams in.
public struct ReceivedFile: Sendable {
    public var temporaryPath: String
    public var filename: String
    public var declaredContentType: String
    public var size: Int64
    public var sha256: String
}

/// The parsed multipart form: small text fields in memory, at most one file on disk.
public struct ReceivedForm: Sendable {
    public var fields: [String: String] = [:]
    public var file: ReceivedFile?

    /// Removes the temporary file, if any (call when the upload is not kept).
    public func discard() {
        if let file { try? FileManager.default.removeItem(atPath: file.temporaryPath) }
    }
}

/// Streams a `multipart/form-data` body through MultipartKit's parser, writing the part named
/// `fileField` to `directory` as it arrives (bounded memory) and hashing it on the way.
/// A body larger than `limit`, or a file part larger than `fileLimit` (checked before each write, so
/// the file on disk never grows past it), is a 413 and a malformed one a 400; neither leaves a file behind.
enum MultipartUpload {
    static func receive(_ request: Request, fileField: String, limit: Int, fileLimit: Int64 = .max, directory: String) async throws -> ReceivedForm {
        guard let contentType = request.headers[.contentType], let boundary = boundary(in: contentType) else {
            throw PageError(.badRequest, "Send the form as multipart/form-data.")
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw PageError(.contentTooLarge, tooLargeMessage(limit))
        }
        let parser = MultipartParser(boundary: boundary)
        let state = UploadState(directory: directory, fileField: fileField, fileLimit: fileLimit)
        parser.onHeader = { name, value in state.header(name: name, value: value) }
        parser.onBody = { buffer in state.body(&buffer) }
        parser.onPartComplete = { state.partComplete() }
        var received = 0
        do {
            for try await chunk in request.body {
                received += chunk.readableBytes
                if received > limit { throw PageError(.contentTooLarge, tooLargeMessage(limit)) }
                try parser.execute(chunk)
                if let error = state.error { throw error }
            }
            // A body that ends inside a part (no closing boundary) is incomplete: its file part is dropped.
            guard state.finished, !state.inPart, state.tempPath == nil || state.file != nil else {
                throw PageError(.badRequest, "The upload was incomplete.")
            }
        } catch let error as PageError {
            state.cleanUp()
            throw error
        } catch {
            state.cleanUp()
            throw PageError(.badRequest, "The upload could not be read.")
        }
        return state.result()
    }

    /// Removes partial uploads left by a crash or a killed process (none are in flight at start-up).
    /// Moves a received file to its stored name before its row is committed: stamps it with the time
    /// of the move (the start-up sweep's age rule counts from there, not from the last byte received)
    /// and fsyncs the folder, so a power cut after the commit cannot lose the rename.
    static func moveIntoPlace(_ temporaryPath: String, to storedPath: String) throws {
        try FileManager.default.moveItem(atPath: temporaryPath, toPath: storedPath)
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: storedPath)
        let folder = open((storedPath as NSString).deletingLastPathComponent, O_RDONLY)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }

    static func sweepPartialFiles(in directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix("upload-") && name.hasSuffix(".part") {
            let path = (directory as NSString).appendingPathComponent(name)
            // A part still growing belongs to an upload in flight (another process on the same folder).
            let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date ?? .distantPast
            guard Date().timeIntervalSince(modified) >= 60 else { continue }
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    static func tooLargeMessage(_ limit: Int) -> String {
        let size = limit >= 1024 * 1024 ? "\(limit / (1024 * 1024)) MiB" : "\(max(1, limit / 1024)) KiB"
        return "The file is larger than the \(size) limit. Nothing was stored."
    }

    static func boundary(in contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let kv = parameter.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = kv[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }

    /// Parser callbacks run synchronously inside `execute`, on this task only.
    private final class UploadState: @unchecked Sendable {
        let directory: String
        let fileField: String
        let fileLimit: Int64
        var headers: [(String, String)] = []
        var fieldBuffer: [UInt8] = []
        var handle: FileHandle?
        var hasher = SHA256Hasher()
        var currentIsFile = false
        var currentName: String?
        var fileName = ""
        var fileType = ""
        var fileSize: Int64 = 0
        var tempPath: String?
        var fields: [String: String] = [:]
        var file: ReceivedFile?
        var error: PageError?
        var finished = false
        var inPart = false

        init(directory: String, fileField: String, fileLimit: Int64) {
            self.directory = directory
            self.fileField = fileField
            self.fileLimit = fileLimit
        }

        func header(name: String, value: String) {
            if !inPart { startPart() }
            headers.append((name.lowercased(), value))
        }

        func startPart() {
            inPart = true
            headers = []
            fieldBuffer = []
            currentIsFile = false
            currentName = nil
        }

        func beginBodyIfNeeded() {
            guard currentName == nil else { return }
            let disposition = headers.first { $0.0 == "content-disposition" }?.1 ?? ""
            currentName = Self.parameter("name", in: disposition) ?? ""
            let filename = Self.parameter("filename", in: disposition)
            if currentName == fileField, let filename, file == nil, tempPath == nil {
                currentIsFile = true
                fileName = filename
                fileType = headers.first { $0.0 == "content-type" }?.1 ?? "application/octet-stream"
                let path = (directory as NSString).appendingPathComponent("upload-\(UUID().uuidString).part")
                _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
                handle = FileHandle(forWritingAtPath: path)
                tempPath = path
                if handle == nil { error = PageError(.internalServerError, "The upload could not be stored.") }
            }
        }

        func body(_ buffer: inout ByteBuffer) {
            if !inPart { startPart() }
            beginBodyIfNeeded()
            guard error == nil, let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
            if currentIsFile {
                if fileSize + Int64(bytes.count) > fileLimit {
                    error = PageError(.contentTooLarge, "The file is too large. Nothing was stored.")
                    return
                }
                hasher.update(bytes)
                fileSize += Int64(bytes.count)
                do { try handle?.write(contentsOf: bytes) } catch { self.error = PageError(.internalServerError, "The upload could not be stored.") }
            } else if fieldBuffer.count + bytes.count <= 64 * 1024 {
                fieldBuffer.append(contentsOf: bytes)
            } else {
                error = PageError(.contentTooLarge, "A form field was too large.")
            }
        }

        func partComplete() {
            beginBodyIfNeeded()
            if currentIsFile, let tempPath {
                try? handle?.synchronize()
                try? handle?.close()
                handle = nil
                file = ReceivedFile(
                    temporaryPath: tempPath, filename: fileName, declaredContentType: fileType, size: fileSize,
                    sha256: Hex.encode(hasher.finalize()))
            } else if let name = currentName, !name.isEmpty {
                fields[name] = String(decoding: fieldBuffer, as: UTF8.self)
            }
            inPart = false
            finished = true
        }

        func cleanUp() {
            try? handle?.close()
            if let tempPath { try? FileManager.default.removeItem(atPath: tempPath) }
        }

        func result() -> ReceivedForm { ReceivedForm(fields: fields, file: file) }

        /// Reads `name="value"` (or RFC 5987 `name*=UTF-8''…`) from a Content-Disposition header.
        /// Semicolons inside quoted values belong to the value.
        static func parameter(_ key: String, in header: String) -> String? {
            var parts: [String] = []
            var current = ""
            var quoted = false
            var escaped = false
            for character in header {
                if escaped {
                    current.append(character)
                    escaped = false
                } else if quoted && character == "\\" {
                    current.append(character)
                    escaped = true
                } else if character == "\"" {
                    quoted.toggle()
                    current.append(character)
                } else if character == ";" && !quoted {
                    parts.append(current)
                    current = ""
                } else {
                    current.append(character)
                }
            }
            parts.append(current)
            var plain: String?
            for part in parts.dropFirst() {
                let kv = part.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { continue }
                let name = kv[0].trimmingCharacters(in: .whitespaces).lowercased()
                var value = kv[1].trimmingCharacters(in: .whitespaces)
                if name == key + "*", let quote = value.range(of: "''") {
                    return String(value[quote.upperBound...]).removingPercentEncoding
                }
                if name == key {
                    if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                    plain = value.replacingOccurrences(of: "\\\"", with: "\"")
                }
            }
            return plain
        }
    }
}
