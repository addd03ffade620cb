# Spec: [MS-OXCFXICS] 2.2.1.3.3, 2.2.4.3.3, 3.2.5.3; [MS-OXCSTOR] 2.2.1.1.4 (public-folder logon).
# Digest: R-143, R-158, R-160 (group M); version matrix (group X): MetaTagIdsetExpired is supported by
# Exchange 2007/2010 only (<1>), so a 2013+ server reports expired messages as ordinary deletions.
Feature: Expired public-folder messages in a contents download

  Background:
    Given a public folder with 2 messages that expire
    And the client has synchronized contents

  # [MS-OXCFXICS] 2.2.4.3.3 (R-158), 2.2.1.3.3 (R-160); group Y: IdsetExpired (2007/2010) or IdsetDeleted (2013+)
  @R-158 @R-160 @needs-public-folders @needs-fault-injection
  Scenario: Expired messages are reported in MetaTagIdsetExpired or, by newer servers, in MetaTagIdsetDeleted (MS-OXCFXICS 2.2.1.3.3)
    When the messages expire on the server
    And the client synchronizes contents with its saved state
    Then the download holds a deletion of m1, m2 in MetaTagIdsetExpired or in MetaTagIdsetDeleted, and the report records which
    And the final state's IdsetGiven does not hold m1, m2
    And the replica holds 0 messages

  # [MS-OXCFXICS] 2.2.4.3.3 (R-158: IdsetExpired MUST be present for contents when public-folder messages
  # expired), 3.2.5.3 (R-143: AllDeleted includes IdsetExpired, so the IDs leave IdsetGiven)
  @R-158 @R-160 @R-143 @needs-public-folders @needs-fault-injection @needs-behaviour-profile
  Scenario: A server following Exchange 2007/2010 reports expired messages in MetaTagIdsetExpired (MS-OXCFXICS 2.2.4.3.3)
    Given the server follows the exchange2007 behaviour profile
    When the messages expire on the server
    And the client synchronizes contents with its saved state
    Then the download holds a deletion of m1, m2 in MetaTagIdsetExpired
    And the download holds no deletion in MetaTagIdsetDeleted
    And the final state's IdsetGiven does not hold m1, m2
    And the replica holds 0 messages

  # [MS-OXCFXICS] 2.2.4.3.3 (R-158: IdsetExpired MUST NOT appear for hierarchy)
  @R-158 @needs-public-folders @needs-behaviour-profile
  Scenario: A hierarchy download never carries MetaTagIdsetExpired (MS-OXCFXICS 2.2.4.3.3)
    Given the server follows the exchange2007 behaviour profile
    And on the server, folder A is created under Sync
    And the client has synchronized the hierarchy of folder Sync
    When on the server, folder A is hard deleted
    And the client synchronizes the hierarchy of folder Sync with its saved state
    Then the download holds a deletion of folder A in MetaTagIdsetDeleted
    And the download holds no deletion in MetaTagIdsetExpired
