# Spec: [MS-OXCFXICS] 2.2.3.1.1.1, 2.2.3.1.1.2, 2.2.4.3.2, 3.2.5.8.1.1, 3.2.5.8.1.2, 3.2.5.10;
#       [MS-OXCMSG] 3.1.4.5, 3.1.4.12 (the set-up ROPs).
# Digest: server-rules.md group C (R-025, R-028, R-031, R-033), group I (R-046, R-112), group X
#         ("CopyTo Move flag", "CopyProperties with Move"); ftstream.md §6.11, §8.
Feature: Message subobjects: FastTransfer copies of an attachment, the Move flag, and subobjects in a download

  Background:
    Given a folder with 2 messages
    And message m1 has 2 recipients and 2 attachments

  # [MS-OXCFXICS] 2.2.3.1.1.1 (R-025), 2.2.4.3.2: an Attachment object gives an attachmentContent root
  @R-025 @R-020
  Scenario: CopyTo on an attachment streams its attachmentContent (MS-OXCFXICS 2.2.3.1.1.1)
    When the client copies attachment 2 of m1 with CopyTo
    Then the last ROP succeeds
    And the attachment stream holds attachment 2 of m1

  # [MS-OXCFXICS] 3.2.5.8.1.1 (R-028): the PropertyTags of CopyTo are excluded
  @R-028
  Scenario: CopyTo on an attachment leaves out the listed properties (MS-OXCFXICS 3.2.5.8.1.1)
    When the client copies attachment 1 of m1 with CopyTo of PidTagAttachDataBinary
    Then the last ROP succeeds
    And the attachment stream holds attachment 1 of m1 without PidTagAttachDataBinary

  # [MS-OXCFXICS] 3.2.5.8.1.2 (R-028): the PropertyTags of CopyProperties are the only ones copied
  @R-028 @R-025
  Scenario: CopyProperties on an attachment copies only the listed properties (MS-OXCFXICS 3.2.5.8.1.2)
    When the client copies attachment 1 of m1 with CopyProperties of PidTagAttachLongFilename
    Then the last ROP succeeds
    And the attachment stream holds only PidTagAttachLongFilename

  # [MS-OXCFXICS] 3.2.5.8.1.1 (R-033, <34>): a server MAY support Move on CopyTo; Exchange 2010 and
  # later answer 0x80070057, Exchange 2007 supports it (group X)
  @R-033
  Scenario: CopyTo with the Move flag is refused with ecInvalidParameter, or supported (MS-OXCFXICS 3.2.5.8.1.1)
    When the client copies message m1 with CopyTo and CopyFlags Move
    Then the last ROP fails with 0x80070057, or succeeds

  # [MS-OXCFXICS] 2.2.3.1.1.2.1 (R-031: Move with a Message input is allowed); group X "CopyProperties
  # with Move": Exchange 2010 and later answer 0x80040FFF (observed)
  @R-031
  Scenario: CopyProperties with the Move flag is refused as Exchange does, or supported (MS-OXCFXICS 2.2.3.1.1.2.1)
    When the client copies message m1 with CopyProperties of PidTagSubject and CopyFlags Move
    Then the last ROP fails with one of 0x80040FFF, 0x80070057, or succeeds

  # [MS-OXCFXICS] 3.2.5.10 (R-046, R-112), 2.2.4.3.23 (PidTagRowid first): recipients and attachments
  # of a contents download reach the replica as they were made
  @R-046 @R-112
  Scenario: Recipients and attachments of a contents synchronization arrive intact on the replica (MS-OXCFXICS 3.2.5.10)
    When the client synchronizes contents with an empty state
    Then every normal message change holds its recipients after a MetaTagFXDelProp for PidTagMessageRecipients
    And the replica's message m1 holds its recipients and attachments intact
    And the replica's message m2 holds its recipients and attachments intact
