-- Identity Grid schema, version 1: grain state and cluster membership for Orleans' ADO.NET
-- providers, with the query texts those providers load from orleansquery.
-- Applied by SchemaMigrator inside one transaction; never edit an applied migration, add one.

-- The providers read their SQL from this table (name and columns are their contract).
CREATE TABLE orleansquery
(
    querykey  varchar(64) PRIMARY KEY,
    querytext text        NOT NULL
);

------------------------------------------------------------------------------------------------
-- Grain state.
-- One row per (service, state name, grain). Each grain type persists under its own state name
-- (user, login-name, session), and the primary key is the full identity, so two activations of
-- one grain can never both insert a first version: the second insert conflicts and the provider
-- reports a version conflict. The payload is the grain's JSON state (jsonb, so operators can
-- query it); purge_after is lifted out of it for the storage janitor.
------------------------------------------------------------------------------------------------
CREATE TABLE grain_state
(
    service_id  text        NOT NULL,
    state_name  text        NOT NULL,
    grain_n0    bigint      NOT NULL,
    grain_n1    bigint      NOT NULL,
    grain_key   text        NOT NULL DEFAULT '',  -- string key or key extension; '' when none
    payload     jsonb,                            -- NULL after a clear that keeps the row
    version     integer     NOT NULL,
    modified_at timestamptz NOT NULL DEFAULT now(),
    -- Unix seconds after which the row's grain should be asked whether it can be deleted.
    purge_after bigint GENERATED ALWAYS AS ((payload ->> 'purgeAfter')::bigint) STORED,
    CONSTRAINT grain_state_pk PRIMARY KEY (service_id, state_name, grain_n0, grain_n1, grain_key)
);

CREATE INDEX grain_state_purge_after ON grain_state (service_id, state_name, purge_after)
    WHERE purge_after IS NOT NULL;

-- Parameters: @ServiceId, @GrainTypeString (the state name), @GrainIdN0, @GrainIdN1,
-- @GrainIdExtensionString, @GrainStateVersion (NULL for a first write), @PayloadBinary (UTF-8 JSON).
-- Returns exactly one row: the new version, or NULL when the expected version did not match
-- (the provider turns NULL into InconsistentStateException).
INSERT INTO orleansquery (querykey, querytext) VALUES ('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE grain_state
    SET payload = convert_from(@PayloadBinary, 'UTF8')::jsonb,
        version = version + 1,
        modified_at = now()
    WHERE service_id = @ServiceId
      AND state_name = @GrainTypeString
      AND grain_n0 = @GrainIdN0
      AND grain_n1 = @GrainIdN1
      AND grain_key = coalesce(@GrainIdExtensionString, '')
      AND @GrainStateVersion IS NOT NULL
      AND version = @GrainStateVersion
    RETURNING version
), inserted AS (
    INSERT INTO grain_state (service_id, state_name, grain_n0, grain_n1, grain_key, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, coalesce(@GrainIdExtensionString, ''),
           convert_from(@PayloadBinary, 'UTF8')::jsonb, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT ON CONSTRAINT grain_state_pk DO NOTHING
    RETURNING version
)
SELECT (SELECT version FROM updated UNION ALL SELECT version FROM inserted LIMIT 1) AS newgrainstateversion;
$q$);

INSERT INTO orleansquery (querykey, querytext) VALUES ('ReadFromStorageKey', $q$
SELECT convert_to(payload::text, 'UTF8') AS payloadbinary,
       version
FROM grain_state
WHERE service_id = @ServiceId
  AND state_name = @GrainTypeString
  AND grain_n0 = @GrainIdN0
  AND grain_n1 = @GrainIdN1
  AND grain_key = coalesce(@GrainIdExtensionString, '');
$q$);

-- Clearing while keeping the row (used only when DeleteStateOnClear is off).
INSERT INTO orleansquery (querykey, querytext) VALUES ('ClearStorageKey', $q$
UPDATE grain_state
SET payload = NULL,
    version = version + 1,
    modified_at = now()
WHERE service_id = @ServiceId
  AND state_name = @GrainTypeString
  AND grain_n0 = @GrainIdN0
  AND grain_n1 = @GrainIdN1
  AND grain_key = coalesce(@GrainIdExtensionString, '')
  AND version = @GrainStateVersion
RETURNING version AS newgrainstateversion;
$q$);

-- Clearing by deleting the row: what the grid uses, so ended sessions leave nothing behind.
-- Returns version + 1 so the provider sees a change; no row means a version conflict.
INSERT INTO orleansquery (querykey, querytext) VALUES ('DeleteStorageKey', $q$
DELETE FROM grain_state
WHERE service_id = @ServiceId
  AND state_name = @GrainTypeString
  AND grain_n0 = @GrainIdN0
  AND grain_n1 = @GrainIdN1
  AND grain_key = coalesce(@GrainIdExtensionString, '')
  AND version = @GrainStateVersion
RETURNING version + 1 AS newgrainstateversion;
$q$);

------------------------------------------------------------------------------------------------
-- Cluster membership.
-- membership_version holds the table version each change must match (optimistic concurrency
-- across silos); membership holds one row per silo incarnation (address, port, generation).
------------------------------------------------------------------------------------------------
CREATE TABLE membership_version
(
    deployment_id text        PRIMARY KEY,
    version       integer     NOT NULL DEFAULT 0,
    modified_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE membership
(
    deployment_id  text        NOT NULL REFERENCES membership_version (deployment_id) ON DELETE CASCADE,
    address        text        NOT NULL,
    port           integer     NOT NULL,
    generation     integer     NOT NULL,
    silo_name      text        NOT NULL,
    host_name      text        NOT NULL,
    status         integer     NOT NULL,
    proxy_port     integer     NOT NULL DEFAULT 0,
    suspect_times  text,
    start_time     timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    CONSTRAINT membership_pk PRIMARY KEY (deployment_id, address, port, generation)
);

-- Inserting or updating a silo row and bumping the table version happen together or not at all:
-- the version row is locked first, the row change is made, then the version moves. A mismatch
-- returns false without raising, so nothing needs rolling back.
CREATE FUNCTION membership_insert(
    p_deployment_id text, p_address text, p_port integer, p_generation integer,
    p_silo_name text, p_host_name text, p_status integer, p_proxy_port integer,
    p_start_time timestamptz, p_i_am_alive_time timestamptz, p_version integer)
RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM 1 FROM membership_version
    WHERE deployment_id = p_deployment_id AND version = p_version
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    INSERT INTO membership (deployment_id, address, port, generation, silo_name, host_name, status,
                            proxy_port, start_time, i_am_alive_time)
    VALUES (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status,
            p_proxy_port, p_start_time, p_i_am_alive_time)
    ON CONFLICT ON CONSTRAINT membership_pk DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE membership_version SET version = version + 1, modified_at = now()
    WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$f$;

CREATE FUNCTION membership_update(
    p_deployment_id text, p_address text, p_port integer, p_generation integer,
    p_status integer, p_suspect_times text, p_i_am_alive_time timestamptz, p_version integer)
RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM 1 FROM membership_version
    WHERE deployment_id = p_deployment_id AND version = p_version
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE membership
    SET status = p_status, suspect_times = p_suspect_times, i_am_alive_time = p_i_am_alive_time
    WHERE deployment_id = p_deployment_id AND address = p_address AND port = p_port AND generation = p_generation;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE membership_version SET version = version + 1, modified_at = now()
    WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$f$;

INSERT INTO orleansquery (querykey, querytext) VALUES ('InsertMembershipVersionKey', $q$
WITH inserted AS (
    INSERT INTO membership_version (deployment_id) VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM inserted);
$q$);

INSERT INTO orleansquery (querykey, querytext) VALUES ('InsertMembershipKey', $q$
SELECT membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status,
                         @ProxyPort, @StartTime, @IAmAliveTime, @Version);
$q$);

INSERT INTO orleansquery (querykey, querytext) VALUES ('UpdateMembershipKey', $q$
SELECT membership_update(@DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes,
                         @IAmAliveTime, @Version);
$q$);

-- Frequent and unversioned: only the silo itself writes its heartbeat.
INSERT INTO orleansquery (querykey, querytext) VALUES ('UpdateIAmAlivetimeKey', $q$
UPDATE membership
SET i_am_alive_time = @IAmAliveTime
WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;
$q$);

-- One row per silo with the table version on each; a single row with NULL silo columns when
-- there are no silos yet, so the version is always returned.
INSERT INTO orleansquery (querykey, querytext) VALUES ('MembershipReadAllKey', $q$
SELECT v.deployment_id, m.address AS address, m.port AS port, m.generation AS generation,
       m.silo_name AS siloname, m.host_name AS hostname, m.status AS status, m.proxy_port AS proxyport,
       m.suspect_times AS suspecttimes, m.start_time AS starttime, m.i_am_alive_time AS iamalivetime,
       v.version AS version
FROM membership_version v
LEFT JOIN membership m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId;
$q$);

INSERT INTO orleansquery (querykey, querytext) VALUES ('MembershipReadRowKey', $q$
SELECT v.deployment_id, m.address AS address, m.port AS port, m.generation AS generation,
       m.silo_name AS siloname, m.host_name AS hostname, m.status AS status, m.proxy_port AS proxyport,
       m.suspect_times AS suspecttimes, m.start_time AS starttime, m.i_am_alive_time AS iamalivetime,
       v.version AS version
FROM membership_version v
LEFT JOIN membership m ON m.deployment_id = v.deployment_id
    AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
WHERE v.deployment_id = @DeploymentId;
$q$);

-- Gateways an Orleans client may connect to: active silos (@Status = 3) with a gateway port.
INSERT INTO orleansquery (querykey, querytext) VALUES ('GatewaysQueryKey', $q$
SELECT address AS address, proxy_port AS proxyport, generation AS generation
FROM membership
WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0;
$q$);

INSERT INTO orleansquery (querykey, querytext) VALUES ('DeleteMembershipTableEntriesKey', $q$
DELETE FROM membership_version WHERE deployment_id = @DeploymentId;
$q$);

-- Defunct silos: rows of silos that are not active (3) and have not sent a heartbeat since
-- @IAmAliveTime. Orleans calls this periodically (ClusterMembershipOptions.DefunctSiloCleanupPeriod).
INSERT INTO orleansquery (querykey, querytext) VALUES ('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM membership
WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status <> 3;
$q$);
