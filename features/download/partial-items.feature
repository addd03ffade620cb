# Spec: [MS-OXCFXICS] 2.2.4.3.11, 2.2.4.3.15, 2.2.2.8, 3.2.5.7; [MS-OXCSYNC] 3.1.5.3.2, 3.1.5.3.4.
# Digest: server-rules.md group P, R-319, R-323..R-325.
Feature: Partial item changes and property groups
  With PartialItem, a server that supports it sends only the changed property groups of a message the
  client already has. The client then deletes only the properties of that group that are missing from
  the group's property list, and keeps the rest; a full change still replaces everything.

  Background:
    Given a folder with 2 messages
    And the send options are Unicode, PartialItem
    And the client has synchronized contents

  # [MS-OXCSYNC] 3.1.5.3.4 (R-325), [MS-OXCFXICS] 2.2.4.3.15 (R-181)
  @R-325 @R-181 @R-176 @R-177 @R-180 @R-323 @R-324 @client-duty
  Scenario: A partial change deletes only its group's properties on the client (MS-OXCSYNC 3.1.5.3.4)
    Given on the server, property PidTagBody of message m1 is deleted
    When the client synchronizes contents with its saved state
    Then the download holds a partial change for m1
    And the partial change for m1 does not hold the group of PidTagSubject
    And message m1 in the replica has no property PidTagBody
    And message m1 in the replica has property PidTagSubject
    And the replica's message m1 equals the server's

  # [MS-OXCSYNC] 3.1.5.3.4 (R-325): properties of other groups are kept
  @R-325 @R-181 @R-178 @client-duty
  Scenario: A partial change of one group keeps the properties of the other groups (MS-OXCSYNC 3.1.5.3.4)
    Given on the server, property PidTagSubject of message m1 is set to "changed subject"
    When the client synchronizes contents with its saved state
    Then the download holds a partial change for m1
    And message m1 in the replica has property PidTagSubject "changed subject"
    And message m1 in the replica has property PidTagBody
    And the replica's message m1 equals the server's

  # [MS-OXCSYNC] 3.1.5.3.2 (R-319) vs 3.1.5.3.4: the same deletion, without PartialItem
  @R-319 @R-175 @client-duty
  Scenario: Without PartialItem a full change replaces all properties, so the removed property disappears (MS-OXCSYNC 3.1.5.3.2)
    Given the send options are Unicode
    And on the server, property PidTagBody of message m1 is deleted
    When the client synchronizes contents with its saved state
    Then the download holds a full change for m1
    And message m1 in the replica has no property PidTagBody
    And the replica's message m1 equals the server's

  # [MS-OXCFXICS] 2.2.4.3.11 (R-175, R-146): new messages are never partial
  @R-175 @R-146
  Scenario: A message the client does not have is sent as a full change (MS-OXCFXICS 2.2.4.3.11)
    Given on the server, 1 new message is created
    When the client synchronizes contents with its saved state
    Then the download holds a full change for m3

  # [MS-OXCFXICS] 2.2.2.8 (R-183), 2.2.4.3.8, 2.2.4.3.15 (R-180, R-182)
  @R-180 @R-182 @R-183 @R-179
  Scenario: Group definitions are well formed and precede the partial changes that use them (MS-OXCFXICS 2.2.2.8)
    Given on the server, property PidTagSubject of message m1 is set to "again"
    And on the server, property PidTagBody of message m2 is deleted
    When the client synchronizes contents with its saved state
    Then every partial change is preceded by a MetaTagIncrSyncGroupId naming a group mapping defined in a groupInfo element
    And every PropertyGroupInfo has Reserved 0, a non-zero GroupCount and no empty group
    And every partial change's group index lies within its mapping

  # [MS-OXCFXICS] 3.2.5.6 (R-186): read state does not produce a partial change
  @R-186 @R-163
  Scenario: A read-state change is not sent as a partial change (MS-OXCFXICS 3.2.5.7)
    Given the synchronization flags are Unicode, Normal, FAI, ReadState
    And on the server, message m2 is marked as read
    When the client synchronizes contents with its saved state
    Then the download holds no change for m2
    And the download holds read-state changes marking m2 as read

  # [MS-OXCFXICS] 2.2.4.3.15 (R-182): an emptied group is signalled with the placeholder tag 0x00000003
  @R-182 @R-181 @needs-property-groups
  Scenario: A changed group left empty is sent with the placeholder and the client deletes its properties (MS-OXCFXICS 2.2.4.3.15)
    Given on the server, the property group of PidTagBody of message m1 is emptied
    When the client synchronizes contents with its saved state
    Then the partial change for m1 holds the placeholder property 0x00000003 for that group
    And the replica's message m1 equals the server's

  # [MS-OXCSYNC] 1.7 (R-315), 3.1.5.3.4 (R-323): no capability detection, the client engine
  # uses the server version its connection reported (EcDoConnectEx / X-ServerApplication).
  @R-315 @R-323 @client-duty @needs-server-version
  Scenario: The client asks for partial items only from a server of major version 8 or later (MS-OXCSYNC 1.7)
    When the client engine synchronizes contents
    Then the client set PartialItem if and only if the server's major version is 8 or later
