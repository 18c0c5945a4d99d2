import Foundation
import GRDB
import Hummingbird
import Logging
import NIOHTTP1

/// A refusal whose message was written for the user (safe to show).
public struct PageError: Error, HTTPResponseError {
    public var status: HTTPResponse.Status
    public var message: String
    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status)
    }
}

struct ErrorPage: Page {
    static let template = "error"
    let status: Int
    let heading: String
    let message: String
    let reference: String
    var title: String { heading }

    func child(named name: String) -> Any? {
        switch name {
        case "status": status
        case "heading": heading
        case "message": message
        case "reference": reference
        default: nil
        }
    }
}

/// Turns anything thrown below it into an error page in the app's layout, with a reference id that
/// also appears in the log. Never shows a stack trace, SQL or Swift error text.
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let views: Views

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let (status, message) = Self.describe(error)
            let reference = context.requestId
            if status == .internalServerError {
                context.logger.error("request failed", metadata: ["ref": "\(reference)", "error": "\(String(reflecting: error))"])
            } else if Self.isDatabaseBusy(error) {
                context.logger.warning(
                    "database busy: answered 503, client told to retry",
                    metadata: ["ref": "\(reference)", "status": "503", "error": "\(String(reflecting: error))"])
            } else {
                context.logger.info("request refused", metadata: ["ref": "\(reference)", "status": "\(status.code)"])
            }
            let page = ErrorPage(
                status: status.code, heading: "\(status.code) · \(Self.heading(status))", message: message, reference: reference)
            var response = views.render(page, request: request, context: context, status: status)
            if status == .methodNotAllowed { response.headers[.allow] = "GET, POST" }
            if Self.isDatabaseBusy(error) { response.headers[.retryAfter] = String(Self.busyRetryAfterSeconds) }
            // The rest of an unparseable request cannot be trusted to end where the next one begins.
            if error is HTTPParserError { response.headers[.connection] = "close" }
            return response
        }
    }

    static func describe(_ error: any Error) -> (HTTPResponse.Status, String) {
        if let page = error as? PageError { return (page.status, page.message) }
        if let http = error as? HTTPError {
            // Our own HTTPErrors carry user-facing messages; Hummingbird's are generic and safe too.
            return (http.status, http.body ?? defaultMessage(http.status))
        }
        if let http = error as? any HTTPResponseError {
            return (http.status, defaultMessage(http.status))
        }
        if isDatabaseBusy(error) {
            return (.serviceUnavailable, "The database is busy right now, so this request could not be completed. Please try again in a few seconds.")
        }
        // NIO's HTTP parser failed on the body (for example a malformed chunk) while a handler read it.
        if error is HTTPParserError { return (.badRequest, "The request could not be parsed.") }
        return (.internalServerError, defaultMessage(.internalServerError))
    }

    /// Seconds a client is asked to wait after a busy database (`Retry-After`).
    static let busyRetryAfterSeconds = 5

    /// Another connection held SQLite's write lock for longer than the busy timeout. (SQLITE_LOCKED is
    /// a conflict inside one connection, a bug rather than contention: it stays a 500, logged.)
    static func isDatabaseBusy(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_BUSY
    }

    static func heading(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "Bad request"
        case 401: "Sign in required"
        case 403: "Not allowed"
        case 404: "Not found"
        case 405: "Method not allowed"
        case 409: "Changed meanwhile"
        case 413: "Too large"
        case 422: "Cannot process"
        case 429: "Too many attempts"
        case 503: "Busy, please retry"
        default: status.code >= 500 ? "Something went wrong" : status.reasonPhrase
        }
    }

    static func defaultMessage(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "The request was malformed."
        case 401: "Please sign in."
        case 403: "You do not have access to this page."
        case 404: "There is nothing here, or you do not have access to it."
        case 413: "The upload is larger than allowed."
        case 429: "Too many attempts. Please wait and try again."
        default: status.code >= 500 ? "The server could not complete the request. It has been logged." : "The request could not be processed."
        }
    }
}
