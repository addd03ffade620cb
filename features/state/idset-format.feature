# Spec: [MS-OXCFXICS] 2.2.2.4, 2.2.2.4.1, 2.2.2.4.2, 2.2.2.6, 3.1.5.4.1, 3.1.5.4.2, 3.1.5.4.3.1.
# Digest: server-rules.md group W (R-277 .. R-284, R-287, R-288, R-290): the IDSETs the server emits.
# The encoder rules themselves are checked by the ics-wire unit tests; here only what a server sends.
Feature: The IDSETs a server emits are formatted

  # [MS-OXCFXICS] 3.1.5.4.1 (R-278), 2.2.2.4.2 (R-280), 3.1.5.4.2 (R-277), 2.2.2.6 (R-281 .. R-284, R-287, R-288, R-290)
  @R-277 @R-278 @R-280 @R-281 @R-282 @R-283 @R-284 @R-287 @R-288 @R-290
  Scenario: The IDSETs of a bootstrap download are formatted (MS-OXCFXICS 3.1.5.4.1)
    Given a folder with 12 messages and 2 FAI messages
    When the client synchronizes contents with an empty state
    Then every IDSET of the download is a formatted IDSET, in REPLGUID form in the state and in REPLID form in the deletions and read-state changes

  # [MS-OXCFXICS] 3.1.5.4.1 (R-278), 2.2.2.4.1 (R-279), 3.1.5.4.2 (R-277), 2.2.2.6 (R-281 .. R-284, R-290)
  @R-277 @R-278 @R-279 @R-281 @R-282 @R-283 @R-284 @R-290
  Scenario: The IDSETs of an incremental download with deletions and read-state changes are formatted (MS-OXCFXICS 2.2.2.4.1)
    Given a folder with 6 messages
    And the client has synchronized contents
    And on the server, message m2 is hard deleted
    And on the server, message m3 is hard deleted
    And on the server, message m5 is hard deleted
    And on the server, message m4 is marked as read
    And on the server, message m6 is marked as read
    When the client synchronizes contents with its saved state
    Then the download holds a deletion of m2, m3, m5 in MetaTagIdsetDeleted
    And the download holds read-state changes marking m4 as read
    And every IDSET of the download is a formatted IDSET, in REPLGUID form in the state and in REPLID form in the deletions and read-state changes

  # [MS-OXCFXICS] 3.1.5.4.1 (R-278), 3.1.5.4.2 (R-277)
  @R-277 @R-278 @R-280
  Scenario: The IDSETs of a hierarchy download are formatted (MS-OXCFXICS 3.1.5.4.1)
    Given a folder tree:
      | folder | parent | messages |
      | A      | root   | 0        |
      | A1     | A      | 0        |
      | B      | root   | 0        |
    And the client has synchronized the hierarchy of folder A
    And on the server, folder A1 is hard deleted
    When the client synchronizes the hierarchy of folder A with its saved state
    Then every IDSET of the download is a formatted IDSET, in REPLGUID form in the state and in REPLID form in the deletions and read-state changes
