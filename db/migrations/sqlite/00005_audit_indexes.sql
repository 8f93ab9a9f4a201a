-- +goose Up

-- Filters of the audit log page: by actor name (entries keep the name, so
-- they stay readable after an account changes) and by time.
CREATE INDEX audit_log_actor_name ON audit_log (actor_name, id);
CREATE INDEX audit_log_at ON audit_log (at);
