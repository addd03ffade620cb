//! The content of an imported message: named property ids, tagged values, messageContent.

use ics_wire::prop::{PropTag, PropValue, PropertyName};
use ics_wire::rop::flags::GetPropertyIdsFromNamesFlags;
use ics_wire::rop::property::GetPropertyIdsFromNamesRequest;
use ics_wire::rop::value::{RopPropertyName, TaggedPropertyValue};
use ics_wire::rop::{RopRequest, RopResponse};

use crate::model::{Children, Prop, PropKey};
use crate::sync::ops::*;
use crate::transport::RopTransport;

use super::{LOGON_ID, RopSession};

impl<T: RopTransport + Send> RopSession<T> {
    /// Property ids for named properties, created on the server as needed
    /// (RopGetPropertyIdsFromNames with Create).
    pub(super) async fn named_ids(&mut self, props: &[Prop]) -> Result<(), OpError> {
        let missing: Vec<PropertyName> = props
            .iter()
            .filter_map(|p| match &p.key {
                PropKey::Named(n) if !self.named.contains_key(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let logon = self.logon_handle()?;
        let req = GetPropertyIdsFromNamesRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            flags: GetPropertyIdsFromNamesFlags::CREATE,
            property_names: missing
                .iter()
                .cloned()
                .map(RopPropertyName::Named)
                .collect(),
        };
        let (r, _) = self
            .one(RopRequest::GetPropertyIdsFromNames(req), logon)
            .await?;
        let RopResponse::GetPropertyIdsFromNames(r) = r else {
            return Err(Self::unexpected("RopGetPropertyIdsFromNames", &r));
        };
        let ok = r.result.success().ok_or(OpError::Rop {
            rop: "RopGetPropertyIdsFromNames",
            code: r.result.return_value().to_u32(),
        })?;
        if ok.property_ids.len() != missing.len() {
            return Err(OpError::Protocol(
                "RopGetPropertyIdsFromNames: wrong id count".into(),
            ));
        }
        for (n, id) in missing.into_iter().zip(&ok.property_ids) {
            if *id < 0x8000 {
                return Err(OpError::Protocol(format!(
                    "named property {n:?} got id {id:#06x}"
                )));
            }
            self.named.insert(n, *id);
        }
        Ok(())
    }

    /// RopFastTransferDestinationConfigure (CopyTo) on `message`, the
    /// messageContent stream in PutBuffer pieces split at legal points
    /// ([MS-OXCFXICS] 2.2.4.1, 3.3.4.2), then RopRelease of the context.
    pub(super) async fn put_message_content(
        &mut self,
        message: Obj,
        props: &[Prop],
        children: &Children,
    ) -> Result<(), OpError> {
        use ics_wire::ftstream as ft;
        use ics_wire::rop::fasttransfer::{
            FastTransferDestinationConfigureRequest, FastTransferDestinationPutBufferRequest,
        };
        use ics_wire::rop::flags::{DestinationConfigureCopyFlags, SourceOperation};
        let content = message_content(props, children)?;
        let parts = ft::produce_split(&ft::Root::MessageContent(content), 0x4000)
            .map_err(|e| OpError::Codec(format!("messageContent: {e}")))?;
        let req = FastTransferDestinationConfigureRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            output_handle_index: 1,
            source_operation: SourceOperation::COPY_TO,
            copy_flags: DestinationConfigureCopyFlags(0),
        };
        let (r, handles) = self
            .one(RopRequest::FastTransferDestinationConfigure(req), message.0)
            .await?;
        let RopResponse::FastTransferDestinationConfigure(r) = r else {
            return Err(Self::unexpected("RopFastTransferDestinationConfigure", &r));
        };
        let ctx = Self::output(
            "RopFastTransferDestinationConfigure",
            r.return_value,
            &handles,
        )?;
        let mut result = Ok(());
        for part in parts {
            let req = FastTransferDestinationPutBufferRequest {
                logon_id: LOGON_ID,
                input_handle_index: 0,
                transfer_data: part,
            };
            let (r, _) = self
                .one(RopRequest::FastTransferDestinationPutBuffer(req), ctx.0)
                .await?;
            let RopResponse::FastTransferDestinationPutBuffer(r) = r else {
                result = Err(Self::unexpected("RopFastTransferDestinationPutBuffer", &r));
                break;
            };
            // TransferStatus is ignored; the ReturnValue decides.
            if let Err(e) = Self::check("RopFastTransferDestinationPutBuffer", r.return_value) {
                result = Err(e);
                break;
            }
        }
        self.release(ctx).await?;
        result
    }

    pub(super) fn tagged(&self, p: &Prop) -> Result<TaggedPropertyValue, OpError> {
        let id = match &p.key {
            PropKey::Id(id) => *id,
            PropKey::Named(n) => *self
                .named
                .get(n)
                .ok_or_else(|| OpError::Protocol(format!("no id for named property {n:?}")))?,
        };
        Ok(TaggedPropertyValue::new(
            PropTag::new(id, p.value.prop_type()),
            p.value.clone(),
        ))
    }
}

/// A stored message as a messageContent tree ([MS-OXCFXICS] 2.2.4.3.16):
/// properties, then recipients and attachments, each kind announced with
/// MetaTagFXDelProp so the destination replaces it. Named properties carry
/// their names; their ids (from 0x8000) are local to the stream.
fn message_content(
    props: &[Prop],
    children: &Children,
) -> Result<ics_wire::ftstream::MessageContent, OpError> {
    use ics_wire::ftstream as ft;
    fn ft_props(props: &[Prop], skip: &[u16]) -> Vec<ft::FtProp> {
        let mut named = 0x8000u16;
        props
            .iter()
            .filter_map(|p| match &p.key {
                PropKey::Id(id) if skip.contains(id) => None,
                PropKey::Id(id) => Some(ft::FtProp::with_tag(
                    PropTag::new(*id, p.value.prop_type()),
                    p.value.clone(),
                )),
                PropKey::Named(n) => {
                    named = named.saturating_add(1);
                    Some(ft::FtProp::named(named, n.clone(), p.value.clone()))
                }
            })
            .collect()
    }
    /// PidTagRowid.
    const PID_TAG_ROWID_ID: u16 = 0x3000;
    let attach_number = ft::ics_tags::PID_TAG_ATTACH_NUMBER.id();
    let data_object = crate::convert::PID_TAG_ATTACH_DATA_OBJECT.id();
    let recipients = children
        .recipients
        .iter()
        .flatten()
        .map(|r| {
            // PidTagRowid is the first property of a recipient's propList
            // ([MS-OXCFXICS] 2.2.4.3.23); the replica keeps them by key.
            let mut props = ft_props(r, &[]);
            if let Some(i) = props.iter().position(|p| p.tag.id() == PID_TAG_ROWID_ID) {
                let rowid = props.remove(i);
                props.insert(0, rowid);
            }
            ft::Recipient { props }
        })
        .collect();
    let mut attachments = Vec::new();
    for (i, a) in children.attachments.iter().flatten().enumerate() {
        let number = a
            .iter()
            .find_map(|p| match (&p.key, &p.value) {
                (PropKey::Id(id), PropValue::I32(n)) if *id == attach_number => Some(*n as u32),
                _ => None,
            })
            .unwrap_or(i as u32);
        let embedded = match a
            .iter()
            .find(|p| p.key == PropKey::Id(data_object))
            .map(|p| &p.value)
        {
            Some(PropValue::Object(bytes)) => {
                match ft::parse(ft::RootKind::MessageContent, bytes) {
                    Ok(ft::Root::MessageContent(m)) => Some(Box::new(m)),
                    Ok(_) | Err(_) => {
                        return Err(OpError::Codec(
                            "stored embedded message does not parse".into(),
                        ));
                    }
                }
            }
            _ => None,
        };
        attachments.push(ft::Attachment {
            attach_number: number,
            content: ft::AttachmentContent {
                dn_prefix: None,
                props: ft_props(a, &[attach_number, data_object]),
                embedded,
            },
        });
    }
    Ok(ft::MessageContent {
        dn_prefix: None,
        props: ft_props(props, &[]),
        children: ft::MessageChildren {
            del_recipients: children.recipients.is_some(),
            recipients,
            del_attachments: children.attachments.is_some(),
            attachments,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_wire::ftstream as ft;

    /// A recipient kept by key (PidTagRecipientType 0x0C15 before PidTagRowid
    /// 0x3000) is uploaded with PidTagRowid first ([MS-OXCFXICS] 2.2.4.3.23),
    /// so the stream parses as a messageContent.
    #[test]
    fn uploaded_recipients_start_with_rowid() {
        let recipient = vec![
            Prop::tagged(PropTag(0x0C15_0003), PropValue::I32(1)),
            Prop::tagged(PropTag(0x3000_0003), PropValue::I32(0)),
            Prop::tagged(PropTag(0x3001_001F), PropValue::unicode("A")),
        ];
        let children = Children {
            recipients: Some(vec![recipient]),
            attachments: Some(Vec::new()),
        };
        let m = message_content(&[], &children).unwrap();
        assert_eq!(m.children.recipients[0].props[0].tag, PropTag(0x3000_0003));
        let bytes = ft::produce(&ft::Root::MessageContent(m)).unwrap();
        assert!(ft::parse(ft::RootKind::MessageContent, &bytes).is_ok());
    }
}
