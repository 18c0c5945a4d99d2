import Foundation
import GRDB

/// The completion fields of a lead's tasks (the active `task` fields of each task's template) and
/// the values stored when the tasks were completed: what the lead page shows, read in two queries.
public struct TaskFieldData: Sendable {
    /// Active fields of each task's template in form order, by task id (tasks without any are absent).
    public var fields: [Int64: [CustomField]] = [:]
    /// The values stored with each task, by task id, then field id (active fields only).
    public var values: [Int64: FieldValues] = [:]

    public init(fields: [Int64: [CustomField]] = [:], values: [Int64: FieldValues] = [:]) {
        self.fields = fields
        self.values = values
    }
}

/// A completion refused because the task's field values are missing or invalid: a message per
/// form name (`cf_<key>`). Nothing was written.
public struct TaskFieldRefusal: Error, Sendable, Equatable {
    public var messages: [String: String]
}

extension Database {
    /// The completion fields and stored values of every task of a lead. A done task whose template was
    /// deleted keeps showing the values it was completed with (the fields outlive the template).
    func taskFieldData(leadId: Int64) throws -> TaskFieldData {
        var data = TaskFieldData()
        let rows = try Row.fetchAll(
            self,
            sql: """
                SELECT leadTask.id AS taskId, customField.*
                FROM leadTask JOIN customField ON (customField.taskTemplateId = leadTask.templateId AND customField.isActive)
                  OR (leadTask.templateId IS NULL AND leadTask.status <> 'open'
                      AND customField.id IN (SELECT fieldId FROM taskFieldValue WHERE taskId = leadTask.id))
                WHERE leadTask.leadId = ? AND customField.entity = 'task'
                ORDER BY customField.position, customField.id
                """, arguments: [leadId])
        for row in rows {
            data.fields[row["taskId"], default: []].append(try CustomField(row: row))
        }
        guard !data.fields.isEmpty else { return data }
        let types = Dictionary(data.fields.values.joined().map { ($0.uid, $0.type) }, uniquingKeysWith: { a, _ in a })
        let stored = try Row.fetchCursor(
            self,
            sql: """
                SELECT taskFieldValue.taskId, taskFieldValue.fieldId, taskFieldValue.value
                FROM leadTask JOIN taskFieldValue ON taskFieldValue.taskId = leadTask.id
                WHERE leadTask.leadId = ?
                """, arguments: [leadId])
        while let row = try stored.next() {
            let fieldId: Int64 = row["fieldId"]
            guard let type = types[fieldId], let value = FieldValue(stored: row["value"], type: type) else { continue }
            data.values[row["taskId"], default: [:]][fieldId] = value
        }
        return data
    }

    /// Writes a task's values for `fields` (nil clears) and returns, in field order, every field that
    /// has a value or just lost one (label, old → new): the completion's activity lists them.
    func saveTaskFieldValues(taskId: Int64, fields: [CustomField], values: [Int64: FieldValue?]) throws -> [ActivityDetail.Change] {
        guard !fields.isEmpty else { return [] }
        var before: FieldValues = [:]
        let types = Dictionary(fields.map { ($0.uid, $0.type) }, uniquingKeysWith: { a, _ in a })
        for row in try Row.fetchAll(self, sql: "SELECT fieldId, value FROM taskFieldValue WHERE taskId = ?", arguments: [taskId]) {
            let fieldId: Int64 = row["fieldId"]
            if let type = types[fieldId], let value = FieldValue(stored: row["value"], type: type) { before[fieldId] = value }
        }
        var entries: [ActivityDetail.Change] = []
        for field in fields {
            let old = before[field.uid]
            let new = values[field.uid] ?? nil
            if old != new {
                if let new {
                    try execute(
                        sql: """
                            INSERT INTO taskFieldValue (taskId, fieldId, value) VALUES (?, ?, ?)
                            ON CONFLICT (taskId, fieldId) DO UPDATE SET value = excluded.value
                            """, arguments: [taskId, field.uid, new.databaseValue])
                } else {
                    try execute(sql: "DELETE FROM taskFieldValue WHERE taskId = ? AND fieldId = ?", arguments: [taskId, field.uid])
                }
            }
            if old != nil || new != nil {
                entries.append(ActivityDetail.Change(field: field.label, from: old?.display ?? "", to: new?.display ?? ""))
            }
        }
        return entries
    }
}
