import Foundation
import Hummingbird

/// `GET /leads.csv`: every lead matching the list's parameters that the user may see, streamed in
/// keyset batches so memory stays flat at any size.
struct ExportController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(RouterPath(Routes.Pattern.leadsCSV), use: export)
    }

    @Sendable func export(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        var filter = LeadFilter(query: try request.query(), fields: try await services.database.activeLeadFields())
        if filter.deleted && !LeadPolicy.canSeeDeleted(user) { filter.deleted = false }
        let query = LeadQuery(filter: filter, viewer: user)
        let database = services.database
        // Surface a search syntax error as a page, before the download starts.
        if try await database.leadList(LeadQuery(filter: { var f = filter; f.page = 1; return f }(), viewer: user)).searchSyntaxError {
            throw PageError(.unprocessableContent, "The search could not be understood, so there is nothing to export. Use plain words, or balance your quotes and brackets.")
        }
        let filename = "leads-\(Day.string(database.clock.now())).csv"
        let body = ResponseBody { writer in
            try await LeadCSV.stream(query, database: database) { text in
                var buffer = ByteBuffer()
                buffer.writeString(text)
                try await writer.write(buffer)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(filename)\"",
                .cacheControl: "private, no-store",
            ],
            body: body)
    }
}
