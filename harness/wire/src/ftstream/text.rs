//! Readable text forms of elements and trees (CLI output, snapshots).

use std::fmt::Write as _;

use crate::ftstream::element::{Element, ElementKind, FtProp};
use crate::ftstream::grammar::*;
use crate::ftstream::markers::tag_name;
use crate::prop::{NameKind, PropValue};

/// Bytes as uppercase hex pairs separated by spaces; long values are cut
/// after 64 bytes with the total shown.
pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len().min(64) * 3);
    for (i, x) in b.iter().take(64).enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{x:02X}");
    }
    if b.len() > 64 {
        let _ = write!(s, " … ({} bytes)", b.len());
    }
    s
}

fn sized(what: &str, b: &[u8]) -> String {
    if b.is_empty() {
        format!("{what}(0)")
    } else {
        format!("{what}({}) {}", b.len(), hex(b))
    }
}

/// A value in one line: numbers in decimal (and hex for integers), strings
/// quoted, binaries as `bin(len) hex`.
pub fn value_text(v: &PropValue) -> String {
    use PropValue::*;
    fn list<T>(v: &[T], f: impl Fn(&T) -> String) -> String {
        format!("[{}]", v.iter().map(f).collect::<Vec<_>>().join(", "))
    }
    match v {
        I16(x) => format!("i16 {x}"),
        I32(x) => format!("i32 {x} (0x{:08X})", *x as u32),
        F32(x) => format!("f32 {x:?}"),
        F64(x) => format!("f64 {x:?}"),
        Currency(x) => format!("currency {x}"),
        FloatingTime(x) => format!("floatingtime {x:?}"),
        ErrorCode(x) => format!("error 0x{x:08X}"),
        Boolean(x) => format!("bool {x}"),
        I64(x) => format!("i64 0x{:016X}", *x as u64),
        String8(b) => format!("string8 {:?}", String::from_utf8_lossy(b)),
        Unicode(s) => format!("string {:?}", s.to_string_lossy()),
        Time(x) => format!("time 0x{x:016X}"),
        Guid(g) => format!("guid {g}"),
        ServerId(b) => sized("serverid", b),
        Binary(b) => sized("bin", b),
        Object(b) => sized("object", b),
        CodePageString { cpid, bytes } => sized(&format!("cp{cpid}"), bytes),
        MvI16(v) => format!("mv i16 {}", list(v, |x| x.to_string())),
        MvI32(v) => format!("mv i32 {}", list(v, |x| x.to_string())),
        MvF32(v) => format!("mv f32 {}", list(v, |x| format!("{x:?}"))),
        MvF64(v) => format!("mv f64 {}", list(v, |x| format!("{x:?}"))),
        MvCurrency(v) => format!("mv currency {}", list(v, |x| x.to_string())),
        MvFloatingTime(v) => format!("mv floatingtime {}", list(v, |x| format!("{x:?}"))),
        MvI64(v) => format!("mv i64 {}", list(v, |x| format!("0x{:016X}", *x as u64))),
        MvString8(v) => format!(
            "mv string8 {}",
            list(v, |b| format!("{:?}", String::from_utf8_lossy(b)))
        ),
        MvUnicode(v) => format!(
            "mv string {}",
            list(v, |s| format!("{:?}", s.to_string_lossy()))
        ),
        MvTime(v) => format!("mv time {}", list(v, |x| format!("0x{x:016X}"))),
        MvGuid(v) => format!("mv guid {}", list(v, |g| g.to_string())),
        MvBinary(v) => format!("mv bin {}", list(v, |b| sized("", b))),
    }
}

/// `0xAAAABBBB Name {guid, lid}: value` in one line.
pub fn prop_text(p: &FtProp) -> String {
    let mut s = p.tag.to_string();
    if let Some(n) = tag_name(p.tag) {
        let _ = write!(s, " {n}");
    }
    if let Some(name) = &p.name {
        match &name.kind {
            NameKind::Lid(l) => {
                let _ = write!(s, " {{{}, lid 0x{l:08X}}}", name.guid);
            }
            NameKind::Name(n) => {
                let _ = write!(s, " {{{}, name {:?}}}", name.guid, n.to_string_lossy());
            }
        }
    }
    let _ = write!(s, " = {}", value_text(&p.value));
    s
}

/// One line per element: offset, then the marker or property.
pub fn elements_text(els: &[Element]) -> String {
    let mut s = String::new();
    for e in els {
        let _ = match &e.kind {
            ElementKind::Marker(m) => writeln!(s, "{:06X}  {}", e.offset, m.name()),
            ElementKind::Prop(p) => writeln!(s, "{:06X}    {}", e.offset, prop_text(p)),
        };
    }
    s
}

/// The tree as an indented outline.
pub fn tree_text(root: &Root) -> String {
    let mut t = Tree {
        s: String::new(),
        depth: 0,
    };
    t.root(root);
    t.s
}

struct Tree {
    s: String,
    depth: usize,
}

impl Tree {
    fn line(&mut self, text: impl AsRef<str>) {
        for _ in 0..self.depth {
            self.s.push_str("  ");
        }
        self.s.push_str(text.as_ref());
        self.s.push('\n');
    }

    fn node(&mut self, name: impl AsRef<str>, f: impl FnOnce(&mut Self)) {
        self.line(name);
        self.depth += 1;
        f(self);
        self.depth -= 1;
    }

    fn props(&mut self, props: &[FtProp]) {
        for p in props {
            self.line(prop_text(p));
        }
    }

    fn dn(&mut self, d: &Option<Vec<u8>>) {
        if let Some(d) = d {
            self.line(format!("MetaTagDnPrefix {:?}", String::from_utf8_lossy(d)));
        }
    }

    fn root(&mut self, r: &Root) {
        match r {
            Root::ContentsSync(c) => self.node("contentsSync", |t| {
                if let Some(p) = &c.progress_total {
                    t.node("progressTotal", |t| t.props(&p.props));
                }
                for (i, item) in c.changes.iter().enumerate() {
                    match item {
                        ContentsSyncItem::Change { progress, change } => {
                            if let Some(p) = progress {
                                t.node(format!("progressPerMessage[{i}]"), |t| t.props(&p.props));
                            }
                            t.change(i, change);
                        }
                        ContentsSyncItem::Error(e) => {
                            t.node(format!("errorInfo[{i}]"), |t| t.props(&e.props))
                        }
                    }
                }
                t.tail(&c.deletions, c.read_state_changes.as_ref(), &c.state);
            }),
            Root::HierarchySync(h) => self.node("hierarchySync", |t| {
                for (i, f) in h.folder_changes.iter().enumerate() {
                    t.node(format!("folderChange[{i}]"), |t| t.props(&f.props));
                }
                t.tail(&h.deletions, None, &h.state);
            }),
            Root::State(s) => self.node("state", |t| t.props(&s.props)),
            Root::FolderContent(f) => self.folder("folderContent", f),
            Root::MessageContent(m) => self.node("messageContent", |t| t.message(m)),
            Root::AttachmentContent(a) => self.node("attachmentContent", |t| t.attachment(a)),
            Root::MessageList(l) => self.message_list("messageList", l),
            Root::TopFolder(f) => self.node("topFolder", |t| {
                t.dn(&f.dn_prefix);
                t.folder_no_del(&f.content);
            }),
        }
    }

    fn tail(&mut self, d: &Option<Deletions>, r: Option<&ReadStateChanges>, s: &State) {
        if let Some(d) = d {
            self.node("deletions", |t| t.props(&d.props));
        }
        if let Some(r) = r {
            self.node("readStateChanges", |t| t.props(&r.props));
        }
        self.node("state", |t| t.props(&s.props));
    }

    fn change(&mut self, i: usize, c: &MessageChange) {
        match c {
            MessageChange::Full(f) => self.node(format!("messageChangeFull[{i}]"), |t| {
                t.node("messageChangeHeader", |t| t.props(&f.header));
                t.props(&f.props);
                t.children(&f.children);
            }),
            MessageChange::Partial(p) => self.node(format!("messageChangePartial[{i}]"), |t| {
                if let Some(g) = &p.group_info {
                    t.node("groupInfo", |t| t.props(&g.props));
                }
                if let Some(id) = p.group_id {
                    t.line(format!("MetaTagIncrSyncGroupId {id}"));
                }
                t.node("messageChangeHeader", |t| t.props(&p.header));
                for g in &p.groups {
                    t.node(format!("group {}", g.index), |t| t.props(&g.props));
                }
                t.children(&p.children);
            }),
        }
    }

    fn children(&mut self, c: &MessageChildren) {
        if c.del_recipients {
            self.line("MetaTagFXDelProp PidTagMessageRecipients");
        }
        for (i, r) in c.recipients.iter().enumerate() {
            self.node(format!("recipient[{i}]"), |t| t.props(&r.props));
        }
        if c.del_attachments {
            self.line("MetaTagFXDelProp PidTagMessageAttachments");
        }
        for (i, a) in c.attachments.iter().enumerate() {
            self.node(
                format!("attachment[{i}] PidTagAttachNumber {}", a.attach_number),
                |t| t.attachment(&a.content),
            );
        }
    }

    fn attachment(&mut self, a: &AttachmentContent) {
        self.dn(&a.dn_prefix);
        self.props(&a.props);
        if let Some(m) = &a.embedded {
            self.node("embeddedMessage", |t| t.message(m));
        }
    }

    fn message(&mut self, m: &MessageContent) {
        self.dn(&m.dn_prefix);
        self.props(&m.props);
        self.children(&m.children);
    }

    fn message_list(&mut self, name: &str, l: &MessageList) {
        self.node(name, |t| {
            for (i, item) in l.items.iter().enumerate() {
                match item {
                    MessageListItem::DnPrefix(d) => t.dn(&Some(d.clone())),
                    MessageListItem::EcWarning(w) => t.line(format!("MetaTagEcWarning 0x{w:08X}")),
                    MessageListItem::Message(m) => {
                        let kind = if m.fai { "FAI message" } else { "message" };
                        t.node(format!("{kind}[{i}]"), |t| t.message(&m.content));
                    }
                    MessageListItem::Error(e) => {
                        t.node(format!("errorInfo[{i}]"), |t| t.props(&e.props))
                    }
                }
            }
        });
    }

    fn folder(&mut self, name: &str, f: &FolderContent) {
        self.node(name, |t| {
            t.dn(&f.dn_prefix);
            t.props(&f.props);
            if let Some(w) = f.ec_warning {
                t.line(format!("MetaTagEcWarning 0x{w:08X}"));
            }
            match &f.messages {
                FolderMessages::NewFXFolder(b) => {
                    t.line(format!("MetaTagNewFXFolder {}", sized("bin", b)))
                }
                FolderMessages::Lists(ls) => {
                    for l in ls {
                        let what = tag_name(l.del_prop).unwrap_or("?");
                        t.message_list(&format!("MetaTagFXDelProp {} {what}", l.del_prop), &l.list);
                    }
                }
            }
            if let Some(subs) = &f.subfolders {
                t.line("MetaTagFXDelProp PidTagContainerHierarchy");
                for (i, s) in subs.iter().enumerate() {
                    t.folder(&format!("subFolder[{i}]"), s);
                }
            }
        });
    }

    fn folder_no_del(&mut self, f: &FolderContentNoDelProps) {
        self.props(&f.props);
        match &f.messages {
            FolderMessagesNoDelProps::NewFXFolder(b) => {
                self.line(format!("MetaTagNewFXFolder {}", sized("bin", b)))
            }
            FolderMessagesNoDelProps::List(l) => self.message_list("messageList", l),
        }
        for (i, s) in f.subfolders.iter().enumerate() {
            self.node(format!("subFolder[{i}]"), |t| t.folder_no_del(s));
        }
    }
}
