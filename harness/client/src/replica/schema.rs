//! The replica's SQLite schema.

/// Version written to `meta.schema_version`.
pub const SCHEMA_VERSION: i64 = 1;

/// `folders.kind` of a synchronized folder.
pub const KIND_SYNCED: i64 = 0;
/// `folders.kind` of the local folder that holds items the server failed to
/// send in RecoverMode ([MS-OXCSYNC] 3.1.5.3.3, R-322). Never synchronized.
pub const KIND_UNSYNCHRONIZED: i64 = 1;
/// `folders.kind` of the local folder that holds conflict losers
/// ([MS-OXCSYNC] 3.1.5.4, R-340). Never synchronized.
pub const KIND_CONFLICTS: i64 = 2;

/// `messages.local`: in sync with the server.
pub const LOCAL_CLEAN: i64 = 0;
/// `messages.local`: modified locally, to upload.
pub const LOCAL_MODIFIED: i64 = 1;
/// `messages.local`: created locally, to upload.
pub const LOCAL_CREATED: i64 = 2;
/// `messages.local`: deleted locally, the deletion is to upload.
pub const LOCAL_DELETED: i64 = 3;

/// `folder_local.state`: a folder created locally, to upload with
/// RopSynchronizationImportHierarchyChange ([MS-OXCFXICS] 3.3.5.8.8).
pub const FOLDER_CREATED: i64 = 2;
/// `folder_local.state`: a folder renamed or moved locally, to upload.
pub const FOLDER_MODIFIED: i64 = 1;

/// `children.kind` of a recipient.
pub const CHILD_RECIPIENT: i64 = 0;
/// `children.kind` of an attachment.
pub const CHILD_ATTACHMENT: i64 = 1;

/// `pkey` offset of named properties: `NAMED_BASE + named_props.id`.
pub const NAMED_BASE: i64 = 0x1_0000;

/// The DDL (idempotent).
pub const DDL: &str = r#"
CREATE TABLE IF NOT EXISTS meta(
    key   TEXT PRIMARY KEY,
    value ANY
) STRICT;

CREATE TABLE IF NOT EXISTS folders(
    id           INTEGER PRIMARY KEY,
    fid          INTEGER UNIQUE,
    source_key   BLOB UNIQUE,
    parent_id    INTEGER REFERENCES folders(id),
    display_name TEXT NOT NULL DEFAULT '',
    change_key   BLOB,
    pcl          BLOB,
    last_mod     INTEGER,
    kind         INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE IF NOT EXISTS folder_props(
    folder INTEGER NOT NULL REFERENCES folders(id),
    pkey   INTEGER NOT NULL,
    ptype  INTEGER NOT NULL,
    val    ANY,
    PRIMARY KEY(folder, pkey)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS messages(
    id         INTEGER PRIMARY KEY,
    folder     INTEGER NOT NULL REFERENCES folders(id),
    source_key BLOB NOT NULL UNIQUE,
    mid        INTEGER,
    fai        INTEGER NOT NULL,
    read       INTEGER NOT NULL DEFAULT 0,
    change_key BLOB NOT NULL,
    pcl        BLOB NOT NULL,
    last_mod   INTEGER NOT NULL,
    cn         INTEGER,
    local      INTEGER NOT NULL DEFAULT 0,
    read_dirty INTEGER NOT NULL DEFAULT 0,
    error_code INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS messages_folder ON messages(folder);
CREATE INDEX IF NOT EXISTS messages_pending ON messages(folder)
    WHERE local <> 0 OR read_dirty <> 0;

CREATE TABLE IF NOT EXISTS message_props(
    msg   INTEGER NOT NULL REFERENCES messages(id),
    pkey  INTEGER NOT NULL,
    ptype INTEGER NOT NULL,
    val   ANY,
    PRIMARY KEY(msg, pkey)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS children(
    msg   INTEGER NOT NULL REFERENCES messages(id),
    kind  INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    pkey  INTEGER NOT NULL,
    ptype INTEGER NOT NULL,
    val   ANY,
    PRIMARY KEY(msg, kind, idx, pkey)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS named_props(
    id   INTEGER PRIMARY KEY,
    guid BLOB NOT NULL,
    kind INTEGER NOT NULL,
    lid  INTEGER NOT NULL,
    name BLOB NOT NULL,
    UNIQUE(guid, kind, lid, name)
) STRICT;

CREATE TABLE IF NOT EXISTS ics_state(
    folder_fid     INTEGER NOT NULL,
    sync_type      INTEGER NOT NULL,
    restriction    BLOB NOT NULL,
    idset_given    BLOB NOT NULL,
    cnset_seen     BLOB NOT NULL,
    cnset_seen_fai BLOB NOT NULL,
    cnset_read     BLOB NOT NULL,
    PRIMARY KEY(folder_fid, sync_type, restriction)
) STRICT;

CREATE TABLE IF NOT EXISTS folder_local(
    folder INTEGER PRIMARY KEY REFERENCES folders(id) ON DELETE CASCADE,
    state  INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS message_moves(
    msg            INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    source_fid     INTEGER NOT NULL,
    source_key     BLOB NOT NULL,
    pcl            BLOB NOT NULL,
    change_key     BLOB NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS folder_deletes(
    source_key BLOB PRIMARY KEY,
    anchor     INTEGER NOT NULL,
    listed     INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS id_ranges(
    id       INTEGER PRIMARY KEY,
    replguid BLOB NOT NULL,
    first    INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    used     INTEGER NOT NULL DEFAULT 0
) STRICT;
"#;
