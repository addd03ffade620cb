# Spec: [MS-OXCFXICS] 3.2.5.3, 3.2.5.9.1.1 (FAI, Normal), 3.3.5.5, 2.2.4.3.11, 2.2.1.1.3.
# Digest: server-rules.md group O, R-087, R-088, R-098, R-142, R-175.
Feature: FAI versus normal messages

  Background:
    Given a folder with 2 messages and 2 FAI messages

  # [MS-OXCFXICS] 3.2.5.3 (R-142), 2.2.4.3.11 (R-171, R-175)
  @R-087 @R-088 @R-142 @R-171 @R-175
  Scenario: FAI messages are always sent as full changes and tracked in CnsetSeenFAI (MS-OXCFXICS 3.2.5.3)
    Given the send options are Unicode, PartialItem
    And the client has synchronized contents
    And on the server, message f1 is modified
    When the client synchronizes contents with its saved state
    Then the download holds a full change for f1
    And the final state's CnsetSeenFAI covers the change numbers of f1, f2
    # No check that CnsetSeen leaves f1's change number out: R-135 lets a server collapse CNSETs
    # into ranges as long as the downloaded differences never change, and a normal message never
    # has an FAI message's change number.

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-087, R-088)
  @R-087 @R-088
  Scenario Outline: The <flags> flags select which messages are sent (MS-OXCFXICS 3.2.5.9.1.1)
    Given the synchronization flags are Unicode, <flags>
    When the client synchronizes contents with an empty state
    Then the download holds <normal> message changes
    And the download holds <fai> FAI message changes

    Examples:
      | flags       | normal | fai |
      | Normal      | 2      | 0   |
      | FAI         | 0      | 2   |
      | Normal, FAI | 2      | 2   |

  # [MS-OXCFXICS] 3.3.5.5 (R-098): Normal/FAI filter output, they do not change the scope
  @R-098 @R-134
  Scenario: Normal and FAI filter the output but not the scope (MS-OXCFXICS 3.3.5.5)
    Given the synchronization flags are Unicode, Normal
    And the client has synchronized contents
    And on the server, message m1 is hard deleted
    And on the server, message f1 is hard deleted
    When the client synchronizes contents with its saved state
    Then the download holds a deletion of m1 in MetaTagIdsetDeleted
    And the download holds no deletion of f1

  # [MS-OXCFXICS] 2.2.1.1.3 (R-171), 3.1.5.3 (R-173)
  @R-171 @R-173 @R-219
  Scenario: A new FAI message created on the server is tracked in CnsetSeenFAI (MS-OXCFXICS 2.2.1.1.3)
    Given the client has synchronized contents
    And on the server, 1 new FAI message is created
    When the client synchronizes contents with its saved state
    Then the download holds 1 FAI message change
    And the final state's CnsetSeenFAI covers the change numbers of f1, f2, f3
