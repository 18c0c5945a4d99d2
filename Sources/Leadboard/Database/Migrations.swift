import GRDB

/// Append-only schema history. A migration that has shipped is never edited: add a new one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-users-sessions") { db in
            try db.create(table: "user") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("email", .text).notNull().collate(.nocase).unique()
                t.column("name", .text).notNull().check { length($0) > 0 && length($0) <= 200 }
                t.column("role", .text).notNull().check { ["admin", "manager", "executive"].contains($0) }
                t.column("isActive", .boolean).notNull().defaults(to: true)
                t.column("passwordHash", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.column("lastLoginAt", .datetime)
            }
            try db.create(table: "session") { t in
                t.autoIncrementedPrimaryKey("id")
                // SHA-256 of the cookie token: a stolen database file yields no usable session.
                t.column("tokenHash", .text).notNull().unique()
                t.column("userId", .integer).notNull().indexed().references("user", onDelete: .cascade)
                t.column("csrfToken", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("lastSeenAt", .datetime).notNull()
                t.column("userAgent", .text)
                t.column("clientAddress", .text)
            }
            try db.create(table: "loginFailure") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("email", .text).notNull().collate(.nocase)
                t.column("clientAddress", .text).notNull()
                t.column("failedAt", .datetime).notNull()
            }
            try db.create(index: "loginFailure_email", on: "loginFailure", columns: ["email", "failedAt"])
            try db.create(index: "loginFailure_client", on: "loginFailure", columns: ["clientAddress", "failedAt"])
        }
        migrator.registerMigration("v2-leads") { db in
            try db.create(table: "source") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().collate(.nocase).unique().check { length($0) > 0 && length($0) <= 100 }
                t.column("position", .integer).notNull()
                t.column("isActive", .boolean).notNull().defaults(to: true)
            }
            for (index, name) in ["Website", "Referral", "Cold Call", "Social Media", "Event", "Partner", "Other"].enumerated() {
                try db.execute(sql: "INSERT INTO source (name, position) VALUES (?, ?)", arguments: [name, index])
            }
            try db.create(table: "stage") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().collate(.nocase).check { length($0) > 0 && length($0) <= 60 }
                t.column("color", .text).notNull().check(sql: "color GLOB '#[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]'")
                t.column("position", .integer).notNull()
                t.column("category", .text).notNull().check { ["open", "won", "lost"].contains($0) }
                t.column("isActive", .boolean).notNull().defaults(to: true)
            }
            let stages: [(String, String, String)] = [
                ("New Lead", "#3b82f6", "open"), ("Contacted", "#8b5cf6", "open"), ("Qualified", "#0ea5e9", "open"),
                ("Proposal Sent", "#f59e0b", "open"), ("Won", "#16a34a", "won"), ("Lost", "#dc2626", "lost"),
            ]
            for (index, stage) in stages.enumerated() {
                try db.execute(
                    sql: "INSERT INTO stage (name, color, position, category) VALUES (?, ?, ?, ?)",
                    arguments: [stage.0, stage.1, index, stage.2])
            }
            try db.create(table: "referenceCounter") { t in
                t.primaryKey("month", .text)
                t.column("lastNumber", .integer).notNull()
            }
            try db.create(table: "lead") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("reference", .text).notNull().unique()
                t.column("name", .text).notNull().check { length($0) > 0 && length($0) <= 200 }
                t.column("email", .text).notNull().defaults(to: "").check { length($0) <= 254 }
                t.column("phone", .text).notNull().defaults(to: "").check { length($0) <= 50 }
                t.column("company", .text).notNull().defaults(to: "").check { length($0) <= 200 }
                t.column("sourceId", .integer).references("source", onDelete: .restrict)
                t.column("valueCents", .integer).notNull().defaults(to: 0).check { $0 >= 0 }
                t.column("expectedCloseDate", .text).check(sql: "expectedCloseDate IS NULL OR date(expectedCloseDate) = expectedCloseDate")
                t.column("stageId", .integer).notNull().references("stage", onDelete: .restrict)
                t.column("ownerId", .integer).references("user", onDelete: .setNull)
                t.column("createdById", .integer).references("user", onDelete: .setNull)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.column("stageEnteredAt", .datetime).notNull()
                t.column("version", .integer).notNull().defaults(to: 1)
                t.column("deletedAt", .datetime)
            }
            // Every list filter and sort has an index over the live (not deleted) leads.
            for (name, columns) in [
                ("lead_updated", "updatedAt, id"), ("lead_created", "createdAt, id"), ("lead_name", "name COLLATE NOCASE, id"),
                ("lead_value", "valueCents, id"), ("lead_owner_updated", "ownerId, updatedAt"),
                ("lead_stage_updated", "stageId, updatedAt"), ("lead_owner_stage_updated", "ownerId, stageId, updatedAt"),
                ("lead_source_updated", "sourceId, updatedAt"), ("lead_email", "email COLLATE NOCASE"),
            ] {
                try db.execute(sql: "CREATE INDEX \(name) ON lead(\(columns)) WHERE deletedAt IS NULL")
            }
            try db.execute(sql: "CREATE INDEX lead_deleted ON lead(deletedAt) WHERE deletedAt IS NOT NULL")
            try db.create(virtualTable: "leadFts", using: FTS5()) { t in
                t.synchronize(withTable: "lead")
                t.tokenizer = .unicode61()
                t.column("reference")
                t.column("name")
                t.column("email")
                t.column("company")
                t.column("phone")
            }
            try db.create(table: "note") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("leadId", .integer).notNull().references("lead", onDelete: .cascade)
                t.column("authorId", .integer).references("user", onDelete: .setNull)
                t.column("body", .text).notNull().check { length($0) > 0 && length($0) <= 10000 }
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(index: "note_lead", on: "note", columns: ["leadId", "createdAt"])
            try db.create(table: "attachment") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("leadId", .integer).notNull().references("lead", onDelete: .cascade)
                t.column("uploaderId", .integer).references("user", onDelete: .setNull)
                t.column("originalName", .text).notNull()
                t.column("storedName", .text).notNull().unique()
                t.column("contentType", .text).notNull()
                t.column("size", .integer).notNull().check { $0 >= 0 }
                t.column("sha256", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(index: "attachment_lead", on: "attachment", columns: ["leadId", "createdAt"])
            try db.create(table: "activity") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("leadId", .integer).notNull().references("lead", onDelete: .cascade)
                t.column("actorId", .integer).references("user", onDelete: .setNull)
                t.column("kind", .text).notNull()
                t.column("detail", .text).notNull().defaults(to: "{}")
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(index: "activity_lead", on: "activity", columns: ["leadId", "id"])
        }
        migrator.registerMigration("v3-pipeline") { db in
            try db.alter(table: "stage") { t in
                // A final stage lets no lead move on (Won, Lost); otherwise an empty set of next stages means "any".
                t.add(column: "isFinal", .boolean).notNull().defaults(to: false)
            }
            try db.create(table: "stageTransition") { t in
                t.column("fromStageId", .integer).notNull().references("stage", onDelete: .cascade)
                t.column("toStageId", .integer).notNull().references("stage", onDelete: .cascade)
                t.primaryKey(["fromStageId", "toStageId"])
                t.check(sql: "fromStageId <> toStageId")
            }
            try db.create(table: "taskTemplate") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("stageId", .integer).notNull().indexed().references("stage", onDelete: .cascade)
                t.column("name", .text).notNull().check { length($0) > 0 && length($0) <= 120 }
                t.column("description", .text).notNull().defaults(to: "").check { length($0) <= 1000 }
                t.column("isRequired", .boolean).notNull().defaults(to: false)
                t.column("position", .integer).notNull()
            }
            try db.create(table: "leadTask") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("leadId", .integer).notNull().references("lead", onDelete: .cascade)
                t.column("stageId", .integer).notNull().references("stage", onDelete: .restrict)
                t.column("templateId", .integer).references("taskTemplate", onDelete: .setNull)
                t.column("name", .text).notNull()
                t.column("description", .text).notNull().defaults(to: "")
                t.column("isRequired", .boolean).notNull()
                t.column("position", .integer).notNull()
                t.column("status", .text).notNull().defaults(to: "open").check { ["open", "done", "skipped"].contains($0) }
                t.column("note", .text).notNull().defaults(to: "").check { length($0) <= 2000 }
                t.column("completedAt", .datetime)
                t.column("completedById", .integer).references("user", onDelete: .setNull)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(index: "leadTask_lead", on: "leadTask", columns: ["leadId", "status"])
            try db.create(table: "stageHistory") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("leadId", .integer).notNull().references("lead", onDelete: .cascade)
                t.column("stageId", .integer).notNull().references("stage", onDelete: .restrict)
                t.column("enteredAt", .datetime).notNull()
                t.column("enteredById", .integer).references("user", onDelete: .setNull)
                t.column("exitedAt", .datetime)
                t.column("exitedById", .integer).references("user", onDelete: .setNull)
                t.column("comment", .text).notNull().defaults(to: "")
                t.column("lostReason", .text).notNull().defaults(to: "")
                t.column("override", .boolean).notNull().defaults(to: false)
            }
            try db.create(index: "stageHistory_lead", on: "stageHistory", columns: ["leadId", "enteredAt"])
            try db.create(index: "stageHistory_stage", on: "stageHistory", columns: ["stageId", "enteredAt"])
            // At most one open history row per lead.
            try db.execute(sql: "CREATE UNIQUE INDEX stageHistory_current ON stageHistory(leadId) WHERE exitedAt IS NULL")
            // Board and dashboard totals (count, value per stage) and the conversion figure (stage entered
            // since …) read only these columns: covering indexes, so a million leads are an index scan.
            try db.execute(sql: "CREATE INDEX lead_stage_cover ON lead(stageId, stageEnteredAt, valueCents) WHERE deletedAt IS NULL")
            try db.execute(sql: "CREATE INDEX lead_owner_stage_cover ON lead(ownerId, stageId, stageEnteredAt, valueCents) WHERE deletedAt IS NULL")

            // The default pipeline, when the stages are still the defaults of v2.
            let names = try String.fetchAll(db, sql: "SELECT name FROM stage ORDER BY position")
            guard names == ["New Lead", "Contacted", "Qualified", "Proposal Sent", "Won", "Lost"] else { return }
            let ids = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, name FROM stage").map { ($0["name"] as String, $0["id"] as Int64) })
            for (from, targets) in [
                ("New Lead", ["Contacted"]), ("Contacted", ["Qualified", "Lost"]), ("Qualified", ["Proposal Sent", "Lost"]),
                ("Proposal Sent", ["Won", "Lost"]),
            ] {
                for target in targets {
                    try db.execute(sql: "INSERT INTO stageTransition (fromStageId, toStageId) VALUES (?, ?)", arguments: [ids[from], ids[target]])
                }
            }
            try db.execute(sql: "UPDATE stage SET isFinal = 1 WHERE name IN ('Won', 'Lost')")
            try db.execute(
                sql: "INSERT INTO taskTemplate (stageId, name, description, isRequired, position) VALUES (?, ?, ?, 1, 0), (?, ?, ?, 1, 0)",
                arguments: [
                    ids["New Lead"], "Initial contact", "Reach the lead by phone or email and confirm their interest.",
                    ids["Contacted"], "Qualification call", "Confirm budget, authority, need and timing.",
                ])
            // Leads that exist already get their current stage as open history.
            try db.execute(sql: "INSERT INTO stageHistory (leadId, stageId, enteredAt, enteredById) SELECT id, stageId, stageEnteredAt, createdById FROM lead")
        }
        migrator.registerMigration("v4-imports") { db in
            try db.create(table: "importJob") { t in
                t.primaryKey("token", .text)
                t.column("userId", .integer).notNull().references("user", onDelete: .cascade)
                t.column("fileName", .text).notNull()
                t.column("storedName", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("status", .text).notNull().defaults(to: "pending").check { ["pending", "done"].contains($0) }
                t.column("updateExisting", .boolean).notNull().defaults(to: false)
                t.column("created", .integer).notNull().defaults(to: 0)
                t.column("updated", .integer).notNull().defaults(to: 0)
                t.column("skipped", .integer).notNull().defaults(to: 0)
                t.column("invalid", .integer).notNull().defaults(to: 0)
                t.column("finishedAt", .datetime)
            }
        }
        migrator.registerMigration("v5-report-indexes") { db in
            // Measured on a million leads: the reports read the lead table row by row; these make them
            // index range scans that read only the index.
            try db.execute(sql: "CREATE INDEX lead_created_cover ON lead(createdAt, stageId, sourceId, ownerId, valueCents) WHERE deletedAt IS NULL")
            try db.execute(sql: "CREATE INDEX stageHistory_lead_cover ON stageHistory(leadId, stageId, enteredAt, exitedAt)")
            // "Your open tasks, oldest first" for people who own many leads.
            try db.execute(sql: "CREATE INDEX leadTask_open_created ON leadTask(createdAt, id) WHERE status = 'open'")
        }
        migrator.registerMigration("v6-lead-tally") { db in
            // Live leads per (owner, stage) with their value, kept by triggers in the same transaction
            // as every lead write. Unfiltered counts and totals (list, board, dashboard) read this
            // instead of counting a million rows. ownerKey 0 = unassigned.
            try db.execute(sql: """
                CREATE TABLE leadTally (
                  ownerKey INTEGER NOT NULL, stageId INTEGER NOT NULL, n INTEGER NOT NULL, valueCents INTEGER NOT NULL,
                  PRIMARY KEY (ownerKey, stageId)) WITHOUT ROWID;
                INSERT INTO leadTally (ownerKey, stageId, n, valueCents)
                  SELECT COALESCE(ownerId, 0), stageId, COUNT(*), COALESCE(SUM(valueCents), 0) FROM lead WHERE deletedAt IS NULL GROUP BY 1, 2;
                CREATE TRIGGER leadTally_insert AFTER INSERT ON lead WHEN NEW.deletedAt IS NULL BEGIN
                  INSERT INTO leadTally (ownerKey, stageId, n, valueCents) VALUES (COALESCE(NEW.ownerId, 0), NEW.stageId, 1, NEW.valueCents)
                  ON CONFLICT (ownerKey, stageId) DO UPDATE SET n = n + 1, valueCents = valueCents + excluded.valueCents;
                END;
                CREATE TRIGGER leadTally_delete AFTER DELETE ON lead WHEN OLD.deletedAt IS NULL BEGIN
                  UPDATE leadTally SET n = n - 1, valueCents = valueCents - OLD.valueCents
                  WHERE ownerKey = COALESCE(OLD.ownerId, 0) AND stageId = OLD.stageId;
                END;
                CREATE TRIGGER leadTally_update AFTER UPDATE OF ownerId, stageId, valueCents, deletedAt ON lead
                WHEN OLD.ownerId IS NOT NEW.ownerId OR OLD.stageId <> NEW.stageId OR OLD.valueCents <> NEW.valueCents
                  OR OLD.deletedAt IS NOT NEW.deletedAt
                BEGIN
                  UPDATE leadTally SET n = n - 1, valueCents = valueCents - OLD.valueCents
                  WHERE OLD.deletedAt IS NULL AND ownerKey = COALESCE(OLD.ownerId, 0) AND stageId = OLD.stageId;
                  INSERT INTO leadTally (ownerKey, stageId, n, valueCents)
                  SELECT COALESCE(NEW.ownerId, 0), NEW.stageId, 1, NEW.valueCents WHERE NEW.deletedAt IS NULL
                  ON CONFLICT (ownerKey, stageId) DO UPDATE SET n = n + 1, valueCents = valueCents + excluded.valueCents;
                END;
                """)
        }
        migrator.registerMigration("v7-entry-stages") { db in
            // New leads start in an entry stage; reaching any other stage goes through the move rules.
            // Existing pipelines get their first open stage (the default "New Lead") as the entry stage.
            try db.alter(table: "stage") { t in
                t.add(column: "isEntry", .boolean).notNull().defaults(to: false)
            }
            try db.execute(sql: """
                UPDATE stage SET isEntry = 1 WHERE id = (
                  SELECT id FROM stage WHERE category = 'open' ORDER BY isActive DESC, position, id LIMIT 1);
                CREATE TRIGGER stage_entry_open_insert BEFORE INSERT ON stage WHEN NEW.isEntry AND NEW.category <> 'open'
                BEGIN SELECT RAISE(ABORT, 'Only open stages can be entry stages.'); END;
                CREATE TRIGGER stage_entry_open_update BEFORE UPDATE OF isEntry, category ON stage WHEN NEW.isEntry AND NEW.category <> 'open'
                BEGIN SELECT RAISE(ABORT, 'Only open stages can be entry stages.'); END;
                CREATE TRIGGER stage_entry_remains_update AFTER UPDATE OF isEntry, isActive ON stage
                WHEN NOT EXISTS (SELECT 1 FROM stage WHERE isEntry AND isActive)
                BEGIN SELECT RAISE(ABORT, 'At least one active entry stage must remain.'); END;
                CREATE TRIGGER stage_entry_remains_delete AFTER DELETE ON stage
                WHEN NOT EXISTS (SELECT 1 FROM stage WHERE isEntry AND isActive)
                BEGIN SELECT RAISE(ABORT, 'At least one active entry stage must remain.'); END;
                """)
        }
        return migrator
    }
}
