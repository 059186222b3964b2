-- Staff dashboard: per-guest control limits and the audit log of admin
-- actions.

-- What a guest may set in its room; gone with the account.
CREATE TABLE guest_limit (
    username   TEXT PRIMARY KEY NOT NULL REFERENCES user(username) ON DELETE CASCADE,
    target_min REAL NOT NULL,
    target_max REAL NOT NULL
) WITHOUT ROWID;

-- Every admin action: who did what to whom, when. Kept when the account it
-- names is deleted.
CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at_ms  INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL,
    detail TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_time ON audit (at_ms);
