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
        migrator.registerMigration("v8-custom-fields-scoring") { db in
            // Custom field definitions, shared by every entity (tasks' fields belong to one template while it exists).
            try db.execute(sql: """
                CREATE TABLE customField (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  entity TEXT NOT NULL CHECK (entity IN ('lead', 'task', 'contact', 'company')),
                  taskTemplateId INTEGER REFERENCES taskTemplate(id) ON DELETE SET NULL,
                  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 40 AND key NOT GLOB '*[^A-Za-z0-9_]*'),
                  label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 80),
                  type TEXT NOT NULL CHECK (type IN ('text', 'long_text', 'integer', 'decimal', 'boolean', 'date', 'datetime',
                    'select', 'multi_select', 'email', 'url', 'phone')),
                  isRequired BOOLEAN NOT NULL DEFAULT 0,
                  helpText TEXT NOT NULL DEFAULT '' CHECK (length(helpText) <= 300),
                  placeholder TEXT NOT NULL DEFAULT '' CHECK (length(placeholder) <= 100),
                  position INTEGER NOT NULL,
                  isActive BOOLEAN NOT NULL DEFAULT 1,
                  showOnCard BOOLEAN NOT NULL DEFAULT 0,
                  rules TEXT NOT NULL DEFAULT '{}',
                  defaultValue TEXT,
                  createdAt DATETIME NOT NULL,
                  CHECK (entity = 'task' OR taskTemplateId IS NULL));
                -- A deleted template's fields stay (template NULL) with the values tasks were completed with.
                CREATE UNIQUE INDEX customField_key ON customField(entity, COALESCE(taskTemplateId, 0), key)
                  WHERE entity <> 'task' OR taskTemplateId IS NOT NULL;
                CREATE INDEX customField_template ON customField(taskTemplateId) WHERE taskTemplateId IS NOT NULL;
                -- Values stored typed (INTEGER, REAL or TEXT; multi_select as a JSON array), one row per
                -- record and field; the field index serves filters and sorts by value.
                CREATE TABLE leadFieldValue (
                  leadId INTEGER NOT NULL REFERENCES lead(id) ON DELETE CASCADE,
                  fieldId INTEGER NOT NULL REFERENCES customField(id) ON DELETE CASCADE,
                  value NOT NULL,
                  PRIMARY KEY (leadId, fieldId)) WITHOUT ROWID;
                CREATE INDEX leadFieldValue_field ON leadFieldValue(fieldId, value);
                CREATE TABLE taskFieldValue (
                  taskId INTEGER NOT NULL REFERENCES leadTask(id) ON DELETE CASCADE,
                  fieldId INTEGER NOT NULL REFERENCES customField(id) ON DELETE CASCADE,
                  value NOT NULL,
                  PRIMARY KEY (taskId, fieldId)) WITHOUT ROWID;
                CREATE INDEX taskFieldValue_field ON taskFieldValue(fieldId);
                ALTER TABLE lead ADD COLUMN customText TEXT NOT NULL DEFAULT '';
                ALTER TABLE lead ADD COLUMN score INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX lead_score ON lead(score, id) WHERE deletedAt IS NULL;
                """)
            // Search also covers the text of custom fields (`lead.customText`, kept by the app). The
            // triggers only rewrite a lead's search row when a searched column really changed (GRDB's
            // synchronised table rewrote it on every update, score and version bumps included).
            try db.execute(sql: """
                DROP TRIGGER "__leadFts_ai"; DROP TRIGGER "__leadFts_ad"; DROP TRIGGER "__leadFts_au";
                DROP TABLE leadFts;
                CREATE VIRTUAL TABLE leadFts USING fts5(reference, name, email, company, phone, customText,
                  content='lead', content_rowid='id', tokenize='unicode61');
                CREATE TRIGGER leadFts_insert AFTER INSERT ON lead BEGIN
                  INSERT INTO leadFts (rowid, reference, name, email, company, phone, customText)
                  VALUES (NEW.id, NEW.reference, NEW.name, NEW.email, NEW.company, NEW.phone, NEW.customText);
                END;
                CREATE TRIGGER leadFts_delete AFTER DELETE ON lead BEGIN
                  INSERT INTO leadFts (leadFts, rowid, reference, name, email, company, phone, customText)
                  VALUES ('delete', OLD.id, OLD.reference, OLD.name, OLD.email, OLD.company, OLD.phone, OLD.customText);
                END;
                CREATE TRIGGER leadFts_update AFTER UPDATE OF reference, name, email, company, phone, customText ON lead
                WHEN OLD.reference IS NOT NEW.reference OR OLD.name IS NOT NEW.name OR OLD.email IS NOT NEW.email
                  OR OLD.company IS NOT NEW.company OR OLD.phone IS NOT NEW.phone OR OLD.customText IS NOT NEW.customText
                BEGIN
                  INSERT INTO leadFts (leadFts, rowid, reference, name, email, company, phone, customText)
                  VALUES ('delete', OLD.id, OLD.reference, OLD.name, OLD.email, OLD.company, OLD.phone, OLD.customText);
                  INSERT INTO leadFts (rowid, reference, name, email, company, phone, customText)
                  VALUES (NEW.id, NEW.reference, NEW.name, NEW.email, NEW.company, NEW.phone, NEW.customText);
                END;
                INSERT INTO leadFts (leadFts) VALUES ('rebuild');
                """)
            // Lead scoring: the rules, the rating thresholds and the moment time-based rules are
            // measured from (`asOf`, moved by the daily rescore), and the leads whose score must be
            // recomputed before the transaction that changed them commits (`scoreQueue`, filled by
            // triggers, drained by `AppDatabase.write`).
            try db.execute(sql: """
                CREATE TABLE scoringRule (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  kind TEXT NOT NULL CHECK (kind IN ('filled', 'equals', 'at_least', 'at_most', 'source', 'age_over', 'no_activity', 'overdue_tasks')),
                  field TEXT NOT NULL DEFAULT '',
                  choices TEXT NOT NULL DEFAULT '[]',
                  number REAL,
                  days INTEGER CHECK (days IS NULL OR days BETWEEN 0 AND 3650),
                  points INTEGER NOT NULL CHECK (points BETWEEN -100 AND 100),
                  position INTEGER NOT NULL,
                  createdAt DATETIME NOT NULL);
                CREATE TABLE scoringSettings (
                  id INTEGER PRIMARY KEY CHECK (id = 1),
                  hotThreshold INTEGER NOT NULL DEFAULT 70,
                  warmThreshold INTEGER NOT NULL DEFAULT 40,
                  asOf DATETIME NOT NULL,
                  CHECK (0 <= warmThreshold AND warmThreshold < hotThreshold AND hotThreshold <= 100));
                INSERT INTO scoringSettings (id, asOf) VALUES (1, strftime('%Y-%m-%d %H:%M:%f', 'now'));
                CREATE TABLE scoreQueue (leadId INTEGER PRIMARY KEY) WITHOUT ROWID;
                -- The triggers test for presence instead of INSERT OR IGNORE: an upsert's DO UPDATE would
                -- override the trigger's conflict clause and fail on a lead already queued.
                CREATE TRIGGER scoreQueue_activity AFTER INSERT ON activity BEGIN
                  INSERT INTO scoreQueue (leadId) SELECT NEW.leadId WHERE NOT EXISTS (SELECT 1 FROM scoreQueue WHERE leadId = NEW.leadId);
                END;
                CREATE TRIGGER scoreQueue_lead_insert AFTER INSERT ON lead BEGIN
                  INSERT INTO scoreQueue (leadId) SELECT NEW.id WHERE NOT EXISTS (SELECT 1 FROM scoreQueue WHERE leadId = NEW.id);
                END;
                CREATE TRIGGER scoreQueue_lead_update AFTER UPDATE OF name, email, phone, company, sourceId, valueCents,
                  expectedCloseDate, stageId, ownerId, createdAt, deletedAt ON lead
                BEGIN
                  INSERT INTO scoreQueue (leadId) SELECT NEW.id WHERE NOT EXISTS (SELECT 1 FROM scoreQueue WHERE leadId = NEW.id);
                END;
                CREATE TRIGGER scoreQueue_value_insert AFTER INSERT ON leadFieldValue BEGIN
                  INSERT INTO scoreQueue (leadId) SELECT NEW.leadId WHERE NOT EXISTS (SELECT 1 FROM scoreQueue WHERE leadId = NEW.leadId);
                END;
                CREATE TRIGGER scoreQueue_value_update AFTER UPDATE ON leadFieldValue BEGIN
                  INSERT INTO scoreQueue (leadId) SELECT NEW.leadId WHERE NOT EXISTS (SELECT 1 FROM scoreQueue WHERE leadId = NEW.leadId);
                END;
                CREATE TRIGGER scoreQueue_value_delete AFTER DELETE ON leadFieldValue BEGIN
                  INSERT INTO scoreQueue (leadId) SELECT OLD.leadId WHERE EXISTS (SELECT 1 FROM lead WHERE id = OLD.leadId)
                    AND NOT EXISTS (SELECT 1 FROM scoreQueue WHERE leadId = OLD.leadId);
                END;
                CREATE TRIGGER scoreQueue_task_insert AFTER INSERT ON leadTask BEGIN
                  INSERT INTO scoreQueue (leadId) SELECT NEW.leadId WHERE NOT EXISTS (SELECT 1 FROM scoreQueue WHERE leadId = NEW.leadId);
                END;
                CREATE TRIGGER scoreQueue_task_update AFTER UPDATE OF status, createdAt ON leadTask BEGIN
                  INSERT INTO scoreQueue (leadId) SELECT NEW.leadId WHERE NOT EXISTS (SELECT 1 FROM scoreQueue WHERE leadId = NEW.leadId);
                END;
                """)
        }
        return migrator
    }
}
