//! Messages (normal and FAI), their subobjects and per-message change
//! tracking ([MS-OXCFXICS] 3.1.5.3, 3.2.5.6, 3.2.5.7).

use ics_wire::ids::{GlobCnt, Mid, Xid};
use ics_wire::prop::{PropValue, TaggedValue, tags};

use super::change::Pcl;
use super::groups::GROUP_COUNT;
use super::props::PropertyBag;
use crate::clock::FileTime;

/// PidTagRowid, required first in a recipient's propList (ftstream.md §6.11).
pub const PID_TAG_ROWID: ics_wire::prop::PropTag = ics_wire::prop::PropTag(0x3000_0003);
/// PidTagAttachNumber ([MS-OXCMSG] 2.2.2.6).
pub const PID_TAG_ATTACH_NUMBER: ics_wire::prop::PropTag = ics_wire::prop::PropTag(0x0E21_0003);
/// mfRead bit of PidTagMessageFlags ([MS-OXCMSG] 2.2.1.6).
pub const MF_READ: i32 = 0x0000_0001;

/// How many past change numbers a message remembers, to find the version a
/// client holds when choosing a partial change ([MS-OXCFXICS] 3.2.5.7).
pub const VERSION_HISTORY: usize = 8;

/// An attachment: its properties and an optional embedded message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attachment {
    /// Attachment properties (PidTagAttachNumber is assigned from the position).
    pub props: PropertyBag,
    /// The embedded message of an ATTACH_EMBEDDED_MSG attachment.
    pub embedded: Option<Box<MessageContent>>,
}

/// The content of a message: properties, recipients and attachments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MessageContent {
    /// Message properties.
    pub props: PropertyBag,
    /// Recipient rows.
    pub recipients: Vec<PropertyBag>,
    /// Attachments.
    pub attachments: Vec<Attachment>,
}

impl MessageContent {
    /// Content with these properties and no subobjects.
    pub fn with_props(values: impl IntoIterator<Item = TaggedValue>) -> Self {
        MessageContent {
            props: PropertyBag::from_values(values),
            ..Default::default()
        }
    }

    /// Approximate size in bytes (PidTagMessageSize, best effort, R-106).
    pub fn approx_size(&self) -> usize {
        self.props.approx_size()
            + self
                .recipients
                .iter()
                .map(PropertyBag::approx_size)
                .sum::<usize>()
            + self
                .attachments
                .iter()
                .map(|a| a.props.approx_size() + a.embedded.as_ref().map_or(0, |e| e.approx_size()))
                .sum::<usize>()
    }
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Its id.
    pub mid: Mid,
    /// FAI (folder associated information) message: PidTagAssociated.
    pub fai: bool,
    /// Properties and subobjects.
    pub content: MessageContent,
    /// Current change number (local replica).
    pub cn: GlobCnt,
    /// ChangeKey when it is not the server XID of `cn` (imported changes).
    pub change_key: Option<Xid>,
    /// PCL when it is not just {ChangeKey}.
    pub pcl: Option<Pcl>,
    /// PidTagLastModificationTime.
    pub last_modified: FileTime,
    /// Read state (the mfRead bit), tracked apart from the content.
    pub read: bool,
    /// CN of the last read-state transition, if any ([MS-OXCFXICS] 3.2.5.6).
    pub read_cn: Option<GlobCnt>,
    /// A persisted foreign PidTagSourceKey, output unless NoForeignIdentifiers.
    pub persisted_source_key: Option<Vec<u8>>,
    /// CN of the last change of each property group.
    pub group_cns: [GlobCnt; GROUP_COUNT],
    /// CN of the last change outside every group (other properties, subobjects).
    pub other_cn: GlobCnt,
    /// Earlier CNs of this message, oldest first (at most [`VERSION_HISTORY`]).
    pub history: Vec<GlobCnt>,
    /// Fault injection: reading this message fails.
    pub unreadable: bool,
    /// The user lacks the read permission on this message ([`super::permissions`]).
    pub no_read_permission: bool,
}

impl Message {
    /// PidTagMessageDeliveryTime, falling back to PidTagLastModificationTime
    /// (the sort key of OrderByDeliveryTime, R-104).
    pub fn delivery_time(&self) -> FileTime {
        match self.content.props.get(tags::PID_TAG_MESSAGE_DELIVERY_TIME) {
            Some(PropValue::Time(t)) => *t,
            _ => self.last_modified,
        }
    }

    /// PidTagMessageSize estimate.
    pub fn size(&self) -> usize {
        self.content.approx_size()
    }

    /// PidTagMessageFlags with the mfRead bit from the read state.
    pub fn message_flags(&self) -> i32 {
        let stored = match self.content.props.get(tags::PID_TAG_MESSAGE_FLAGS) {
            Some(PropValue::I32(f)) => *f,
            _ => 0,
        };
        if self.read {
            stored | MF_READ
        } else {
            stored & !MF_READ
        }
    }

    /// The CN of the newest version of this message that is in `seen`
    /// (current or remembered), if any.
    pub fn newest_version_in(&self, seen: impl Fn(GlobCnt) -> bool) -> Option<GlobCnt> {
        if seen(self.cn) {
            return Some(self.cn);
        }
        self.history.iter().rev().copied().find(|c| seen(*c))
    }

    /// The groups changed after version `since`, or `None` if something
    /// outside the groups changed (then only a full change describes it).
    pub fn groups_changed_since(&self, since: GlobCnt) -> Option<Vec<usize>> {
        if self.other_cn > since {
            return None;
        }
        Some(
            (0..GROUP_COUNT)
                .filter(|&g| self.group_cns[g] > since)
                .collect(),
        )
    }

    /// Records a new CN, remembering the old one.
    pub(crate) fn bump(&mut self, cn: GlobCnt) {
        if self.history.len() == VERSION_HISTORY {
            self.history.remove(0);
        }
        self.history.push(self.cn);
        self.cn = cn;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_wire::ids::{ExchangeId, ReplId};

    fn g(v: u64) -> GlobCnt {
        GlobCnt::new(v).unwrap()
    }

    fn msg() -> Message {
        Message {
            mid: Mid(ExchangeId::new(ReplId(1), g(10))),
            fai: false,
            content: MessageContent::default(),
            cn: g(11),
            change_key: None,
            pcl: None,
            last_modified: 5,
            read: false,
            read_cn: None,
            persisted_source_key: None,
            group_cns: [g(11); GROUP_COUNT],
            other_cn: g(11),
            history: Vec::new(),
            unreadable: false,
            no_read_permission: false,
        }
    }

    #[test]
    fn version_history_and_changed_groups() {
        let mut m = msg();
        m.bump(g(20));
        m.group_cns[1] = g(20);
        m.bump(g(30));
        m.group_cns[0] = g(30);
        assert_eq!(m.history, vec![g(11), g(20)]);
        assert_eq!(m.newest_version_in(|c| c == g(11)), Some(g(11)));
        assert_eq!(
            m.newest_version_in(|c| c == g(11) || c == g(20)),
            Some(g(20))
        );
        assert_eq!(m.newest_version_in(|_| false), None);
        assert_eq!(m.groups_changed_since(g(11)), Some(vec![0, 1]));
        assert_eq!(m.groups_changed_since(g(20)), Some(vec![0]));
        m.other_cn = g(30);
        assert_eq!(m.groups_changed_since(g(20)), None);
        for i in 0..20 {
            m.bump(g(40 + i));
        }
        assert_eq!(m.history.len(), VERSION_HISTORY);
    }

    #[test]
    fn read_bit_comes_from_read_state() {
        let mut m = msg();
        m.content
            .props
            .set(tags::PID_TAG_MESSAGE_FLAGS, PropValue::I32(MF_READ | 0x8));
        assert_eq!(m.message_flags(), 0x8);
        m.read = true;
        assert_eq!(m.message_flags(), 0x9);
    }
}
