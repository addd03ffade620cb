//! Restoring a mailbox from a backup ([`Mailbox::snapshot`] / [`Mailbox::restore`]):
//! the state of a server restored from an older backup ([MS-OXCFXICS] 3.3.5.3;
//!

mod common;

use ics_server::mailbox::Mailbox;

#[test]
fn restore_brings_back_objects_and_counters() {
    let mut c = common::Client::new(ics_server::session::profile::Profile::default());
    let inbox = c.inbox();
    let mb: &mut Mailbox = c.s.mailbox_mut();
    let kept = common::message_with_subject(mb, inbox, "kept");
    let backup = mb.snapshot();
    let backup_cn = mb.last_cn();
    assert_eq!(backup.last_cn(), backup_cn);
    let later = common::message_with_subject(mb, inbox, "later");
    assert!(mb.last_cn() > backup_cn);
    mb.restore(backup);
    assert!(mb.message(kept).is_some(), "backed-up message kept");
    assert!(
        mb.message(later).is_none(),
        "a message newer than the backup is gone"
    );
    assert_eq!(mb.last_cn(), backup_cn, "CN counter of the backup");
    // IDs and CNs are handed out again from the backup's counters.
    let again = common::message_with_subject(mb, inbox, "again");
    assert_eq!(again, later, "the lost message's MID is given out again");
    assert_eq!(
        mb.folder(inbox).unwrap().message_count(),
        2,
        "kept and again"
    );
}
