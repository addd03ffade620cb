# Spec: [MS-OXCFXICS] 3.2.5.9.1.1 (OnlySpecifiedProperties, IgnoreSpecifiedOnFAI), 2.2.1.7, 3.2.5.10,
#       2.2.4.3.20; [MS-OXCSYNC] 3.1.5.3.5. Digest: server-rules.md groups G and I.
Feature: Property filters: OnlySpecifiedProperties, exclusion lists and subobjects

  Background:
    Given a folder with 2 messages and 1 FAI message

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-089, R-092)
  @R-089 @R-092 @R-111
  Scenario: OnlySpecifiedProperties limits message properties to the listed ones (MS-OXCFXICS 3.2.5.9.1.1)
    Given the synchronization flags are Unicode, Normal, FAI, OnlySpecifiedProperties
    And the property tags are PidTagSubject, PidTagMessageDeliveryTime
    When the client synchronizes contents with an empty state
    Then every message change holds, besides its header, only PidTagSubject, PidTagMessageDeliveryTime
    And no message change holds recipients or attachments

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-091, R-092)
  @R-091 @R-092
  Scenario: IgnoreSpecifiedOnFAI gives FAI messages all their properties (MS-OXCFXICS 3.2.5.9.1.1)
    Given the synchronization flags are Unicode, Normal, FAI, OnlySpecifiedProperties, IgnoreSpecifiedOnFAI
    And the property tags are PidTagSubject
    When the client synchronizes contents with an empty state
    Then every normal message change holds, besides its header, only PidTagSubject
    And the change for f1 holds PidTagBody

  @R-091
  Scenario: IgnoreSpecifiedOnFAI alone changes nothing (MS-OXCFXICS 3.2.5.9.1.1)
    When the client synchronizes contents with an empty state
    And the synchronization flags are Unicode, Normal, FAI, ReadState, IgnoreSpecifiedOnFAI
    And the client synchronizes contents with an empty state
    Then the download is identical to the previous download

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-090): without OnlySpecifiedProperties the list excludes
  @R-090
  Scenario: Without OnlySpecifiedProperties the listed properties are excluded (MS-OXCFXICS 3.2.5.9.1.1)
    Given the property tags are PidTagBody
    When the client synchronizes contents with an empty state
    Then no message change holds PidTagBody
    And every normal message change holds PidTagSubject

  # [MS-OXCFXICS] 2.2.1.7, 3.2.5.10 (R-109, R-112, R-046)
  @R-109 @R-112 @R-046
  Scenario: Listing PidTagMessageRecipients with OnlySpecifiedProperties includes the recipients (MS-OXCFXICS 2.2.1.7)
    Given message m1 has 2 recipients and 1 attachment
    And the synchronization flags are Unicode, Normal, OnlySpecifiedProperties
    And the property tags are PidTagSubject, PidTagMessageRecipients
    When the client synchronizes contents with an empty state
    Then every normal message change holds its recipients after a MetaTagFXDelProp for PidTagMessageRecipients
    And no message change holds attachments

  # [MS-OXCFXICS] 2.2.4.3.20 (R-113, R-114), 3.2.5.11 (R-045)
  @R-113 @R-114 @R-045
  Scenario: Property lists hold no error values, no meta-properties and no provider-internal properties (MS-OXCFXICS 2.2.4.3.20)
    When the client synchronizes contents with an empty state
    Then no message change holds a property of type PtypErrorCode
    And no message change holds, outside its header, a meta-property or a property in the range 0x6600-0x67FF

  # [MS-OXCSYNC] 3.1.5.3.5, 3.1.5.3.6 (R-326, R-327, R-328); [MS-OXCFXICS] 3.2.5.8.1.3 (R-040)
  @R-326 @R-327 @R-328 @R-040 @R-039 @client-duty
  Scenario: Client headers are completed with CopyMessages and SendEntryId (MS-OXCSYNC 3.1.5.3.6)
    When the client synchronizes client headers with the property tags PidTagSubject, PidTagSenderName, PidTagMessageDeliveryTime
    Then every message change holds, besides its header, only PidTagSubject, PidTagSenderName, PidTagMessageDeliveryTime
    When the client completes the client headers of m1, m2 with CopyMessages and SendEntryId
    Then every copied message holds PidTagOriginalEntryId, PidTagSourceKey, PidTagChangeKey, PidTagLastModificationTime, PidTagPredecessorChangeList
    And the replica's message m1 equals the server's
    And the replica's message m2 equals the server's

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-095): original body format; Exchange 2013+ ignore BestBody (<41>)
  @R-095 @R-038
  Scenario: BestBody brings the body in its original format (MS-OXCFXICS 3.2.5.9.1.1)
    Given on the server, property PidTagHtml of message m1 is set to "<p>html body</p>"
    And the synchronization flags are Unicode, Normal, BestBody
    When the client synchronizes contents with an empty state
    Then the change for m1 holds PidTagHtml, or a SHOULD-level warning is recorded
