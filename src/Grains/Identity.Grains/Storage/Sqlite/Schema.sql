-- The single-node default store: grain state in one SQLite file, through Orleans' ADO.NET provider
-- (invariant System.Data.SQLite, served by Microsoft.Data.Sqlite) with this project's own table and queries, like the PostgreSQL
-- schema. Applied at every start; each statement is idempotent. Version 1.

CREATE TABLE IF NOT EXISTS identity_schema (version INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  TEXT PRIMARY KEY,
    querytext TEXT NOT NULL
);

-- One row per (service, state name, grain). The payload is the grain's JSON state (text, so
-- operators can query it with json_extract); purge_after is lifted out of it for the purge.
CREATE TABLE IF NOT EXISTS grain_state
(
    service_id  TEXT    NOT NULL,
    state_name  TEXT    NOT NULL,
    grain_n0    INTEGER NOT NULL,
    grain_n1    INTEGER NOT NULL,
    grain_key   TEXT    NOT NULL DEFAULT '',
    payload     TEXT,
    version     INTEGER NOT NULL,
    modified_at INTEGER NOT NULL,
    purge_after INTEGER GENERATED ALWAYS AS (json_extract(payload, '$.purgeAfter')) STORED,
    PRIMARY KEY (service_id, state_name, grain_n0, grain_n1, grain_key)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS grain_state_purge_after ON grain_state (service_id, state_name, purge_after)
    WHERE purge_after IS NOT NULL;

-- Insert a first version, or update the expected one; one row back (the new version) or none
-- (a version conflict: the provider raises InconsistentStateException).
INSERT OR REPLACE INTO orleansquery (querykey, querytext) VALUES ('WriteToStorageKey', '
INSERT INTO grain_state (service_id, state_name, grain_n0, grain_n1, grain_key, payload, version, modified_at)
VALUES (@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, coalesce(@GrainIdExtensionString, ''''),
        CAST(@PayloadBinary AS TEXT), 1, unixepoch())
ON CONFLICT (service_id, state_name, grain_n0, grain_n1, grain_key) DO UPDATE
SET payload = excluded.payload, version = grain_state.version + 1, modified_at = excluded.modified_at
WHERE @GrainStateVersion IS NOT NULL AND grain_state.version = @GrainStateVersion
RETURNING version AS NewGrainStateVersion;
');

INSERT OR REPLACE INTO orleansquery (querykey, querytext) VALUES ('ReadFromStorageKey', '
SELECT CAST(payload AS BLOB) AS PayloadBinary, version AS Version
FROM grain_state
WHERE service_id = @ServiceId AND state_name = @GrainTypeString
  AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1 AND grain_key = coalesce(@GrainIdExtensionString, '''');
');

INSERT OR REPLACE INTO orleansquery (querykey, querytext) VALUES ('ClearStorageKey', '
UPDATE grain_state SET payload = NULL, version = version + 1, modified_at = unixepoch()
WHERE service_id = @ServiceId AND state_name = @GrainTypeString
  AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1 AND grain_key = coalesce(@GrainIdExtensionString, '''')
  AND version = @GrainStateVersion
RETURNING version AS NewGrainStateVersion;
');

-- What the grid uses: an ended session leaves no row behind.
INSERT OR REPLACE INTO orleansquery (querykey, querytext) VALUES ('DeleteStorageKey', '
DELETE FROM grain_state
WHERE service_id = @ServiceId AND state_name = @GrainTypeString
  AND grain_n0 = @GrainIdN0 AND grain_n1 = @GrainIdN1 AND grain_key = coalesce(@GrainIdExtensionString, '''')
  AND version = @GrainStateVersion
RETURNING version + 1 AS NewGrainStateVersion;
');

INSERT INTO identity_schema (version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM identity_schema);
