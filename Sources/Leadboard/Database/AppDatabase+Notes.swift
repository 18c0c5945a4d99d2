import Foundation
import GRDB

public enum NoteError: Error, Equatable { case notFound, forbidden }
public enum AttachmentError: Error, Equatable { case notFound, forbidden }

extension AppDatabase {
    /// Adds a note to a visible lead, with its activity row, in one transaction.
    @discardableResult
    public func addNote(leadId: Int64, body: String, actor: User) async throws -> Note {
        let now = self.now
        return try await write { db in
            guard var lead = try db.visibleLead(id: leadId, viewer: actor) else { throw LeadWriteError.notFound }
            var note = Note(id: nil, leadId: leadId, authorId: actor.id, body: body, createdAt: now)
            try note.insert(db)
            lead.updatedAt = now
            try lead.update(db)
            try db.recordActivity(leadId: leadId, actorId: actor.id, kind: .noteAdded, detail: ActivityDetail(text: String(body.prefix(140))), at: now)
            return note
        }
    }

    /// A note of a live lead the viewer may see, or nil (what the delete confirmation shows).
    public func note(id: Int64, leadId: Int64, viewer: User) async throws -> Note? {
        try await pool.read { db in
            guard try db.visibleLead(id: leadId, viewer: viewer) != nil else { return nil }
            return try Note.filter(Column("id") == id && Column("leadId") == leadId).fetchOne(db)
        }
    }

    /// Deletes a note: its author or an admin only.
    public func deleteNote(id: Int64, leadId: Int64, actor: User) async throws {
        let now = self.now
        try await write { db in
            guard try db.visibleLead(id: leadId, viewer: actor) != nil,
                let note = try Note.filter(Column("id") == id && Column("leadId") == leadId).fetchOne(db)
            else { throw NoteError.notFound }
            guard LeadPolicy.canDeleteNote(authorId: note.authorId, user: actor) else { throw NoteError.forbidden }
            try note.delete(db)
            try db.recordActivity(leadId: leadId, actorId: actor.id, kind: .noteDeleted, detail: ActivityDetail(text: String(note.body.prefix(140))), at: now)
        }
    }

    // MARK: Attachments

    /// Records an uploaded file (already stored under `storedName`) against a visible lead. With a
    /// `quota`, throws `UploadQuota.Exceeded` when the file does not fit, checked in the same write
    /// transaction so that concurrent uploads cannot together pass the limit.
    public func addAttachment(_ attachment: Attachment, actor: User, quota: UploadQuota? = nil) async throws -> Attachment {
        let now = self.now
        return try await write { db in
            guard var lead = try db.visibleLead(id: attachment.leadId, viewer: actor) else { throw LeadWriteError.notFound }
            if let quota, let exceeded = quota.refusal(adding: attachment.size, to: try db.uploadUsage(userId: actor.uid)) {
                throw exceeded
            }
            var row = attachment
            row.createdAt = now
            row.uploaderId = actor.id
            try row.insert(db)
            lead.updatedAt = now
            try lead.update(db)
            try db.recordActivity(leadId: lead.uid, actorId: actor.id, kind: .fileAdded, detail: ActivityDetail(text: row.originalName), at: now)
            return row
        }
    }

    /// An attachment whose lead the viewer may see (admins: deleted leads too, as their page lists them), or nil.
    public func attachment(id: Int64, viewer: User) async throws -> Attachment? {
        try await pool.read { db in
            guard let attachment = try Attachment.fetchOne(db, key: id),
                try db.visibleLead(id: attachment.leadId, viewer: viewer, includeDeleted: true) != nil
            else { return nil }
            return attachment
        }
    }

    /// Deletes the row (and reports it) when the viewer may; the caller removes the file afterwards.
    public func deleteAttachment(id: Int64, actor: User) async throws -> Attachment {
        let now = self.now
        return try await write { db in
            guard let attachment = try Attachment.fetchOne(db, key: id),
                try db.visibleLead(id: attachment.leadId, viewer: actor) != nil
            else { throw AttachmentError.notFound }
            guard LeadPolicy.canDeleteAttachment(uploaderId: attachment.uploaderId, user: actor) else { throw AttachmentError.forbidden }
            try attachment.delete(db)
            try db.recordActivity(
                leadId: attachment.leadId, actorId: actor.id, kind: .fileDeleted, detail: ActivityDetail(text: attachment.originalName), at: now)
            return attachment
        }
    }
}
