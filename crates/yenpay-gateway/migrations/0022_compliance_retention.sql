-- Compliance records' retention (src/compliance/retention.rs): the purge
-- deletes by age, oldest first; these tables had no index on it.
CREATE INDEX self_declarations_created ON self_declarations (created_at);
CREATE INDEX screening_verdicts_created ON screening_verdicts (created_at);
