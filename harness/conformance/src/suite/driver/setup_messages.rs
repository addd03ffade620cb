//! Message changes by the other session's setup ROPs: create, edit, move, copy, read, delete.

use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};
use ics_wire::rop::flags::{MessageOpenModeFlags, ReadFlags, SaveFlags};
use ics_wire::rop::folder::OpenFolderRequest;
use ics_wire::rop::message::{
    CreateMessageRequest, DeleteMessagesRequest, OpenMessageRequest, SaveChangesMessageRequest,
    SetMessageReadFlagRequest,
};
use ics_wire::rop::property::{DeletePropertiesRequest, SetPropertiesRequest};
use ics_wire::rop::value::TaggedPropertyValue;
use ics_wire::rop::{RopRequest, RopRequestBuffer, RopResponse};

use super::{DELIVERY_BASE, Harness, NO_HANDLE, Named, PID_TAG_IMPORTANCE, attach};

impl Harness {
    /// The properties every set-up message gets.
    fn setup_props(&mut self, name: &str) -> Vec<TaggedValue> {
        self.created += 1;
        vec![
            TaggedValue {
                tag: tags::PID_TAG_MESSAGE_CLASS,
                value: PropValue::unicode("IPM.Note"),
            },
            TaggedValue {
                tag: tags::PID_TAG_SUBJECT,
                value: PropValue::unicode(&format!("subject of {name}")),
            },
            TaggedValue {
                tag: tags::PID_TAG_BODY,
                value: PropValue::unicode(&format!("body of {name}")),
            },
            TaggedValue {
                tag: tags::PID_TAG_MESSAGE_DELIVERY_TIME,
                value: PropValue::Time(DELIVERY_BASE + self.created * 10_000_000),
            },
            TaggedValue {
                tag: PID_TAG_IMPORTANCE,
                value: PropValue::I32(1),
            },
        ]
    }

    /// Creates the next normal (`m<n>`) or FAI (`f<n>`) message in `folder` through
    /// RopCreateMessage, RopSetProperties and RopSaveChangesMessage.
    pub fn create_message(
        &mut self,
        folder: &str,
        fai: bool,
        extra: &[TaggedValue],
    ) -> Result<String, String> {
        let fid = self.folder(folder)?;
        let name = self.next_name(fid, fai);
        let mut props = self.setup_props(&name);
        for e in extra {
            props.retain(|p| p.tag.id() != e.tag.id());
            props.push(e.clone());
        }
        let mut rops = vec![
            Self::open_folder_rop(fid),
            RopRequest::CreateMessage(CreateMessageRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                code_page_id: 0x0FFF,
                folder_id: fid,
                associated_flag: u8::from(fai),
            }),
            RopRequest::SetProperties(SetPropertiesRequest {
                logon_id: 0,
                input_handle_index: 2,
                property_values: props
                    .into_iter()
                    .map(|v| TaggedPropertyValue::new(v.tag, v.value))
                    .collect(),
            }),
            RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
                logon_id: 0,
                response_handle_index: 2,
                input_handle_index: 2,
                save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
            }),
            Self::release_rop(2),
            Self::release_rop(1),
        ];
        if !fai {
            // One recipient (features/README.md, "The mailbox").
            rops.insert(3, attach::modify_recipients_rop(2, &name, 1)?);
        }
        let resps = self.admin_call(rops, 2)?;
        Self::check(&resps, "creating a message")?;
        let mid = resps
            .iter()
            .find_map(|r| match r {
                RopResponse::SaveChangesMessage(s) => s.result.success().map(|s| s.message_id),
                _ => None,
            })
            .ok_or("RopSaveChangesMessage: no MessageId")?;
        self.name_message(
            folder,
            &name,
            Named {
                folder: fid,
                mid,
                fai,
            },
        );
        if !fai {
            self.subobjects.entry(name.clone()).or_default().recipients = 1;
        }
        Ok(name)
    }

    /// Opens a message and applies `rop` (SetProperties, DeleteProperties,
    /// SetMessageReadFlag) on slot 2, then saves it if `save`.
    fn edit_message(&mut self, name: &str, edit: RopRequest, save: bool) -> Result<(), String> {
        let m = self.message(name)?;
        let mut rops = vec![
            Self::open_folder_rop(m.folder),
            RopRequest::OpenMessage(OpenMessageRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                code_page_id: 0x0FFF,
                folder_id: m.folder,
                open_mode_flags: MessageOpenModeFlags::READ_WRITE,
                message_id: m.mid,
            }),
            edit,
        ];
        if save {
            rops.push(RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
                logon_id: 0,
                response_handle_index: 2,
                input_handle_index: 2,
                save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
            }));
        }
        rops.push(Self::release_rop(2));
        rops.push(Self::release_rop(1));
        let resps = self.admin_call(rops, 2)?;
        Self::check(&resps, &format!("changing message {name}"))
    }

    /// The request buffer that modifies a message (a new PidTagSubject), for a change that
    /// races a download.
    pub fn modify_request(&self, name: &str) -> Result<Vec<u8>, String> {
        let m = self.message(name)?;
        let rops = vec![
            Self::open_folder_rop(m.folder),
            RopRequest::OpenMessage(OpenMessageRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                code_page_id: 0x0FFF,
                folder_id: m.folder,
                open_mode_flags: MessageOpenModeFlags::READ_WRITE,
                message_id: m.mid,
            }),
            RopRequest::SetProperties(SetPropertiesRequest {
                logon_id: 0,
                input_handle_index: 2,
                property_values: vec![TaggedPropertyValue::new(
                    tags::PID_TAG_SUBJECT,
                    PropValue::unicode(&format!("raced subject of {name}")),
                )],
            }),
            RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
                logon_id: 0,
                response_handle_index: 2,
                input_handle_index: 2,
                save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
            }),
            Self::release_rop(2),
            Self::release_rop(1),
        ];
        RopRequestBuffer {
            rops,
            handles: vec![self.admin_logon, NO_HANDLE, NO_HANDLE],
        }
        .encode()
        .map_err(|e| e.to_string())
    }

    /// RopMoveCopyMessages: move to a folder outside the scope, or copy into the same folder
    /// (the copy is the next `m` name).
    pub fn move_copy(&mut self, name: &str, copy: bool) -> Result<(), String> {
        let m = self.message(name)?;
        let dest = if copy {
            m.folder
        } else {
            match self.folders.get("Elsewhere") {
                Some(f) => *f,
                None => self.create_folder("root", "Elsewhere")?,
            }
        };
        let rops = vec![
            Self::open_folder_rop(m.folder),
            RopRequest::OpenFolder(OpenFolderRequest {
                logon_id: 0,
                input_handle_index: 0,
                output_handle_index: 2,
                folder_id: dest,
                open_mode_flags: Default::default(),
            }),
            RopRequest::MoveCopyMessages(ics_wire::rop::message::MoveCopyMessagesRequest {
                logon_id: 0,
                source_handle_index: 1,
                dest_handle_index: 2,
                message_ids: vec![m.mid],
                want_asynchronous: 0,
                want_copy: u8::from(copy),
            }),
            Self::release_rop(2),
            Self::release_rop(1),
        ];
        let resps = self.admin_call(rops, 2)?;
        Self::check(&resps, "RopMoveCopyMessages")
    }

    /// RopSetProperties + RopSaveChangesMessage on the server.
    pub fn set_property(
        &mut self,
        name: &str,
        tag: PropTag,
        value: PropValue,
    ) -> Result<(), String> {
        let rop = RopRequest::SetProperties(SetPropertiesRequest {
            logon_id: 0,
            input_handle_index: 2,
            property_values: vec![TaggedPropertyValue::new(tag, value)],
        });
        self.edit_message(name, rop, true)
    }

    /// RopDeleteProperties + RopSaveChangesMessage on the server.
    pub fn delete_property(&mut self, name: &str, tag: PropTag) -> Result<(), String> {
        let rop = RopRequest::DeleteProperties(DeletePropertiesRequest {
            logon_id: 0,
            input_handle_index: 2,
            property_tags: vec![tag],
        });
        self.edit_message(name, rop, true)
    }

    /// RopSetMessageReadFlag on the server.
    pub fn set_read(&mut self, name: &str, read: bool) -> Result<(), String> {
        let rop = RopRequest::SetMessageReadFlag(SetMessageReadFlagRequest {
            logon_id: 0,
            response_handle_index: 2,
            input_handle_index: 2,
            read_flags: if read {
                ReadFlags(0)
            } else {
                ReadFlags::RF_CLEAR_READ_FLAG
            },
            client_data: None,
        });
        self.edit_message(name, rop, false)
    }

    /// RopDeleteMessages / RopHardDeleteMessages on the server.
    pub fn delete_message(&mut self, name: &str, hard: bool) -> Result<(), String> {
        let m = self.message(name)?;
        let req = DeleteMessagesRequest {
            logon_id: 0,
            input_handle_index: 1,
            want_asynchronous: 0,
            notify_non_read: 0,
            message_ids: vec![m.mid],
        };
        let rops = vec![
            Self::open_folder_rop(m.folder),
            if hard {
                RopRequest::HardDeleteMessages(req)
            } else {
                RopRequest::DeleteMessages(req)
            },
            Self::release_rop(1),
        ];
        let resps = self.admin_call(rops, 1)?;
        Self::check(&resps, &format!("deleting message {name}"))
    }
}
