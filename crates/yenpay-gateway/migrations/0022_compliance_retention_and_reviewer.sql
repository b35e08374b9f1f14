-- Compliance records' retention (src/compliance/retention.rs) and reviews' reviewers.
-- The purge deletes by age, oldest first; these tables had no index on it.
CREATE INDEX self_declarations_created ON self_declarations (created_at);
CREATE INDEX screening_verdicts_created ON screening_verdicts (created_at);

-- A review's hold names its reviewer on chain (`hold::authorize_reviewed_hold`):
-- the one account that can capture it, the operator's when the review began.
-- Kept here so a release is signed by that account even after the operator
-- key changed (the release then says which key it needs).
ALTER TABLE compliance_reviews ADD COLUMN reviewer TEXT;
