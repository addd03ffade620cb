//! RopLogon, 0xFE, for private mailboxes (and the public-folder and redirect
//! response forms) ([MS-OXCROPS] 2.2.3.1; [MS-OXCSTOR] 2.2.1.1; transport.md §10).

use crate::cursor::{Reader, WriteLe};
use crate::guid::Guid;
use crate::ids::{Fid, ReplGuid, ReplId};

use super::codes::ErrorCode;
use super::common::{ResponseHint, ser_hex};
use super::error::{DecodeResult, EncodeError, EncodeResult, RopError};
use super::flags::{LogonFlags, OpenFlags, ResponseFlags};
use super::value::{check_len, read_string8, write_string8};

/// RopLogon request (2.2.3.1.1). There is no InputHandleIndex.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct LogonRequest {
    /// LogonId.
    pub logon_id: u8,
    /// OutputHandleIndex (the Logon object).
    pub output_handle_index: u8,
    /// LogonFlags.
    pub logon_flags: LogonFlags,
    /// OpenFlags.
    pub open_flags: OpenFlags,
    /// StoreState (MUST be 0; kept as sent).
    pub store_state: u32,
    /// Essdn without its NUL; `None` when EssdnSize is 0.
    #[serde(serialize_with = "ser_opt_lossy")]
    pub essdn: Option<Vec<u8>>,
}

fn ser_opt_lossy<S: serde::Serializer>(b: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match b {
        Some(b) => s.serialize_str(&String::from_utf8_lossy(b)),
        None => s.serialize_none(),
    }
}

/// Reads `size` bytes that must be a NUL-terminated string with no other NUL.
fn read_sized_string8(
    r: &mut Reader<'_>,
    size: usize,
    field: &'static str,
) -> DecodeResult<Vec<u8>> {
    let off = r.offset();
    let mut inner = Reader::with_base(r.bytes(size, field)?, off);
    let s = read_string8(&mut inner, field)?;
    if !inner.is_empty() {
        return Err(RopError::SizeMismatch {
            offset: off,
            field,
            declared: size,
            actual: s.len() + 1,
        });
    }
    Ok(s)
}

impl LogonRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let output_handle_index = r.u8("OutputHandleIndex")?;
        let logon_flags = LogonFlags(r.u8("LogonFlags")?);
        let open_flags = OpenFlags(r.u32("OpenFlags")?);
        let store_state = r.u32("StoreState")?;
        let size = r.u16("EssdnSize")? as usize;
        let essdn = if size == 0 {
            None
        } else {
            Some(read_sized_string8(r, size, "Essdn")?)
        };
        Ok(Self {
            logon_id,
            output_handle_index,
            logon_flags,
            open_flags,
            store_state,
            essdn,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.output_handle_index, self.logon_flags.0]);
        out.put_u32(self.open_flags.0);
        out.put_u32(self.store_state);
        match &self.essdn {
            None => out.put_u16(0),
            Some(e) => {
                check_len(e.len() + 1, u16::MAX as usize, "EssdnSize")?;
                out.put_u16(e.len() as u16 + 1);
                write_string8(out, e, "Essdn")?;
            }
        }
        Ok(())
    }
}

/// LogonTime (2.2.3.1.2): the logon's time, UTC.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct LogonTime {
    /// Seconds.
    pub seconds: u8,
    /// Minutes.
    pub minutes: u8,
    /// Hour.
    pub hour: u8,
    /// DayOfWeek (0 = Sunday).
    pub day_of_week: u8,
    /// Day.
    pub day: u8,
    /// Month (1-12).
    pub month: u8,
    /// Year.
    pub year: u16,
}

/// Success fields for a private mailbox (2.2.3.1.2; [MS-OXCSTOR] 2.2.1.1.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct LogonPrivateSuccess {
    /// LogonFlags (echo).
    pub logon_flags: LogonFlags,
    /// FolderIds: Mailbox Root, Deferred Action, Spooler Queue, IPM Subtree,
    /// Inbox, Outbox, Sent Items, Deleted Items, Common Views, Schedule,
    /// Search, Views, Shortcuts.
    pub folder_ids: [Fid; 13],
    /// ResponseFlags.
    pub response_flags: ResponseFlags,
    /// MailboxGuid.
    pub mailbox_guid: Guid,
    /// ReplId.
    pub repl_id: ReplId,
    /// ReplGuid.
    pub repl_guid: ReplGuid,
    /// LogonTime.
    pub logon_time: LogonTime,
    /// GwartTime (opaque).
    pub gwart_time: u64,
    /// StoreState.
    pub store_state: u32,
}

/// Success fields for public folders (2.2.3.1.3; [MS-OXCSTOR] 2.2.1.1.4).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct LogonPublicSuccess {
    /// LogonFlags (echo).
    pub logon_flags: LogonFlags,
    /// FolderIds (13).
    pub folder_ids: [Fid; 13],
    /// ReplId.
    pub repl_id: ReplId,
    /// ReplGuid.
    pub repl_guid: ReplGuid,
    /// PerUserGuid.
    pub per_user_guid: Guid,
}

/// The RopLogon response forms.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum LogonResult {
    /// ReturnValue 0, private mailbox (the request's LogonFlags had Private).
    PrivateSuccess(LogonPrivateSuccess),
    /// ReturnValue 0, public folders.
    PublicSuccess(LogonPublicSuccess),
    /// ReturnValue 0x00000478 ecWrongServer (2.2.3.1.4).
    Redirect {
        /// LogonFlags.
        logon_flags: LogonFlags,
        /// ServerName without its NUL (ServerNameSize counts the NUL).
        #[serde(serialize_with = "ser_hex")]
        server_name: Vec<u8>,
    },
    /// Any other ReturnValue (2.2.3.1.5).
    Failure(ErrorCode),
}

/// RopLogon response.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct LogonResponse {
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// The form and its fields.
    pub result: LogonResult,
}

fn read_fids(r: &mut Reader<'_>) -> DecodeResult<[Fid; 13]> {
    let mut f = [Fid::default(); 13];
    for x in &mut f {
        *x = Fid::from_bytes(r.array("FolderIds")?);
    }
    Ok(f)
}

impl LogonResponse {
    /// Reads the fields after RopId; `hint.logon_private` selects the success form.
    pub fn read(r: &mut Reader<'_>, hint: &ResponseHint<'_>) -> DecodeResult<Self> {
        let output_handle_index = r.u8("OutputHandleIndex")?;
        let rv = ErrorCode::from_u32(r.u32("ReturnValue")?);
        let result = match rv {
            ErrorCode::Success if hint.logon_private => {
                LogonResult::PrivateSuccess(LogonPrivateSuccess {
                    logon_flags: LogonFlags(r.u8("LogonFlags")?),
                    folder_ids: read_fids(r)?,
                    response_flags: ResponseFlags(r.u8("ResponseFlags")?),
                    mailbox_guid: Guid(r.array("MailboxGuid")?),
                    repl_id: ReplId(r.u16("ReplId")?),
                    repl_guid: ReplGuid(Guid(r.array("ReplGuid")?)),
                    logon_time: LogonTime {
                        seconds: r.u8("LogonTime.Seconds")?,
                        minutes: r.u8("LogonTime.Minutes")?,
                        hour: r.u8("LogonTime.Hour")?,
                        day_of_week: r.u8("LogonTime.DayOfWeek")?,
                        day: r.u8("LogonTime.Day")?,
                        month: r.u8("LogonTime.Month")?,
                        year: r.u16("LogonTime.Year")?,
                    },
                    gwart_time: r.u64("GwartTime")?,
                    store_state: r.u32("StoreState")?,
                })
            }
            ErrorCode::Success => LogonResult::PublicSuccess(LogonPublicSuccess {
                logon_flags: LogonFlags(r.u8("LogonFlags")?),
                folder_ids: read_fids(r)?,
                repl_id: ReplId(r.u16("ReplId")?),
                repl_guid: ReplGuid(Guid(r.array("ReplGuid")?)),
                per_user_guid: Guid(r.array("PerUserGuid")?),
            }),
            ErrorCode::WrongServer => {
                let logon_flags = LogonFlags(r.u8("LogonFlags")?);
                let size = r.u8("ServerNameSize")? as usize;
                LogonResult::Redirect {
                    logon_flags,
                    server_name: read_sized_string8(r, size, "ServerName")?,
                }
            }
            e => LogonResult::Failure(e),
        };
        Ok(Self {
            output_handle_index,
            result,
        })
    }

    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.output_handle_index);
        match &self.result {
            LogonResult::PrivateSuccess(s) => {
                out.put_u32(0);
                out.put_u8(s.logon_flags.0);
                for f in &s.folder_ids {
                    out.put_bytes(&f.to_bytes());
                }
                out.put_u8(s.response_flags.0);
                out.put_bytes(&s.mailbox_guid.0);
                out.put_u16(s.repl_id.0);
                out.put_bytes(&s.repl_guid.0.0);
                let t = &s.logon_time;
                out.put_bytes(&[t.seconds, t.minutes, t.hour, t.day_of_week, t.day, t.month]);
                out.put_u16(t.year);
                out.put_u64(s.gwart_time);
                out.put_u32(s.store_state);
            }
            LogonResult::PublicSuccess(s) => {
                out.put_u32(0);
                out.put_u8(s.logon_flags.0);
                for f in &s.folder_ids {
                    out.put_bytes(&f.to_bytes());
                }
                out.put_u16(s.repl_id.0);
                out.put_bytes(&s.repl_guid.0.0);
                out.put_bytes(&s.per_user_guid.0);
            }
            LogonResult::Redirect {
                logon_flags,
                server_name,
            } => {
                check_len(server_name.len() + 1, u8::MAX as usize, "ServerNameSize")?;
                out.put_u32(ErrorCode::WrongServer.to_u32());
                out.put_u8(logon_flags.0);
                out.put_u8(server_name.len() as u8 + 1);
                write_string8(out, server_name, "ServerName")?;
            }
            LogonResult::Failure(e) => {
                if e.is_success() || *e == ErrorCode::WrongServer {
                    return Err(EncodeError::Inconsistent {
                        field: "ReturnValue",
                        reason: "the failure form needs a ReturnValue other than 0 and 0x478",
                    });
                }
                out.put_u32(e.to_u32());
            }
        }
        Ok(())
    }
}

#[cfg(feature = "arbitrary")]
mod arb_impls {
    use arbitrary::{Arbitrary, Result, Unstructured};

    use super::*;
    use crate::rop::value::arb::string8;

    impl<'a> Arbitrary<'a> for LogonRequest {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(Self {
                logon_id: u.arbitrary()?,
                output_handle_index: u.arbitrary()?,
                logon_flags: u.arbitrary()?,
                open_flags: u.arbitrary()?,
                store_state: u.arbitrary()?,
                essdn: if u.arbitrary()? {
                    Some(string8(u)?)
                } else {
                    None
                },
            })
        }
    }

    impl<'a> Arbitrary<'a> for LogonResult {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(match u.int_in_range(0..=3u8)? {
                0 => LogonResult::PrivateSuccess(u.arbitrary()?),
                1 => LogonResult::PublicSuccess(u.arbitrary()?),
                2 => LogonResult::Redirect {
                    logon_flags: u.arbitrary()?,
                    server_name: string8(u)?.into_iter().take(254).collect(),
                },
                _ => {
                    let e = ErrorCode::from_u32(u.arbitrary()?);
                    LogonResult::Failure(if e.is_success() || e == ErrorCode::WrongServer {
                        ErrorCode::GeneralFailure
                    } else {
                        e
                    })
                }
            })
        }
    }
}
