//! Property rows of folders, messages and message children.

use ics_wire::Guid;
use ics_wire::prop::{NameKind, PropertyName, Utf16String};
use rusqlite::{Connection, OptionalExtension, params};

use super::schema::NAMED_BASE;
use super::value;
use crate::error::ReplicaError;
use crate::model::{Prop, PropKey};

/// Whose properties.
#[derive(Clone, Copy, Debug)]
pub enum Owner {
    /// `folder_props` of a folder row.
    Folder(i64),
    /// `message_props` of a message row.
    Message(i64),
}

impl Owner {
    fn sql_select(self) -> (&'static str, i64) {
        match self {
            Owner::Folder(id) => (
                "SELECT pkey, ptype, val FROM folder_props WHERE folder = ?1",
                id,
            ),
            Owner::Message(id) => (
                "SELECT pkey, ptype, val FROM message_props WHERE msg = ?1",
                id,
            ),
        }
    }
}

/// The stored key code of `key`, creating the named-property row if needed
/// (`create`), or `None` if the named property was never stored.
pub fn pkey_of(
    conn: &Connection,
    key: &PropKey,
    create: bool,
) -> Result<Option<i64>, ReplicaError> {
    match key {
        PropKey::Id(id) => Ok(Some(i64::from(*id))),
        PropKey::Named(name) => {
            let (kind, lid, text) = match &name.kind {
                NameKind::Lid(l) => (0i64, i64::from(*l), Vec::new()),
                NameKind::Name(s) => (1i64, 0i64, s.to_le_bytes()),
            };
            let guid = name.guid.to_bytes().to_vec();
            let found: Option<i64> = conn
                .prepare_cached(
                    "SELECT id FROM named_props WHERE guid = ?1 AND kind = ?2 AND lid = ?3 AND name = ?4",
                )?
                .query_row(params![guid, kind, lid, text], |r| r.get(0))
                .optional()?;
            match found {
                Some(id) => Ok(Some(NAMED_BASE + id)),
                None if create => {
                    conn.prepare_cached(
                        "INSERT INTO named_props(guid, kind, lid, name) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![guid, kind, lid, text])?;
                    Ok(Some(NAMED_BASE + conn.last_insert_rowid()))
                }
                None => Ok(None),
            }
        }
    }
}

/// The key of a stored key code.
pub fn key_of(conn: &Connection, pkey: i64) -> Result<PropKey, ReplicaError> {
    if pkey < NAMED_BASE {
        return u16::try_from(pkey)
            .map(PropKey::Id)
            .map_err(|_| ReplicaError::Corrupt(format!("property key {pkey} out of range")));
    }
    let (guid, kind, lid, name): (Vec<u8>, i64, i64, Vec<u8>) = conn
        .prepare_cached("SELECT guid, kind, lid, name FROM named_props WHERE id = ?1")?
        .query_row([pkey - NAMED_BASE], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    let guid: [u8; 16] = guid
        .try_into()
        .map_err(|_| ReplicaError::Corrupt("named property GUID is not 16 bytes".into()))?;
    let kind = match kind {
        0 => NameKind::Lid(
            u32::try_from(lid)
                .map_err(|_| ReplicaError::Corrupt("named LID out of range".into()))?,
        ),
        1 => NameKind::Name(Utf16String::from_le_bytes(&name)),
        k => return Err(ReplicaError::Corrupt(format!("named property kind {k}"))),
    };
    Ok(PropKey::Named(PropertyName {
        guid: Guid::from_bytes(guid),
        kind,
    }))
}

/// All properties of `owner`, sorted by key.
pub fn read_props(conn: &Connection, owner: Owner) -> Result<Vec<Prop>, ReplicaError> {
    let (sql, id) = owner.sql_select();
    let rows: Vec<(i64, i64, rusqlite::types::Value)> = conn
        .prepare_cached(sql)?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    rows_to_props(conn, rows)
}

fn rows_to_props(
    conn: &Connection,
    rows: Vec<(i64, i64, rusqlite::types::Value)>,
) -> Result<Vec<Prop>, ReplicaError> {
    let mut out = rows
        .into_iter()
        .map(|(pkey, ptype, val)| {
            Ok(Prop {
                key: key_of(conn, pkey)?,
                value: value::decode(ptype, val)?,
            })
        })
        .collect::<Result<Vec<_>, ReplicaError>>()?;
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// Children of kind `kind` of message `msg`, in index order, each sorted by key.
pub fn read_children(
    conn: &Connection,
    msg: i64,
    kind: i64,
) -> Result<Vec<Vec<Prop>>, ReplicaError> {
    let rows: Vec<(i64, i64, i64, rusqlite::types::Value)> = conn
        .prepare_cached(
            "SELECT idx, pkey, ptype, val FROM children WHERE msg = ?1 AND kind = ?2 ORDER BY idx, pkey",
        )?
        .query_map([msg, kind], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let mut out: Vec<Vec<(i64, i64, rusqlite::types::Value)>> = Vec::new();
    let mut last = None;
    for (idx, pkey, ptype, val) in rows {
        if last != Some(idx) {
            out.push(Vec::new());
            last = Some(idx);
        }
        // pkey -1 is the row that makes a child without properties exist.
        if pkey >= 0
            && let Some(cur) = out.last_mut()
        {
            cur.push((pkey, ptype, val));
        }
    }
    out.into_iter()
        .map(|rows| rows_to_props(conn, rows))
        .collect()
}
