-- Saved idempotent answers are sealed from now on (idempotency.rs). Answers
-- saved before were plain text, and an API key's or a webhook endpoint's
-- issue answer carried its secret: drop them all (they live 24 hours anyway;
-- a retry with such a key runs as a first request).
DELETE FROM idempotency_keys;
