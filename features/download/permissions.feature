# Spec: [MS-OXCFXICS] 3.2.5.8.1, 2.2.4.1.5 (MetaTagEcWarning). Digest: server-rules.md R-192.
Feature: Objects the client may not read

  # [MS-OXCFXICS] 3.2.5.8.1 (R-192): skip the object and emit MetaTagEcWarning where the syntax allows
  @R-192 @needs-permissions
  Scenario: A message the user may not read is skipped with a warning (MS-OXCFXICS 3.2.5.8.1)
    Given a folder tree:
      | folder | parent | messages |
      | Src    | root   | 2        |
    And the user may not read message m2 of folder Src
    When the client copies messages m1, m2 of folder Src with CopyFlags SendEntryId
    Then the stream is a messageList of 1 message, or a SHOULD-level warning is recorded
    And the stream holds a MetaTagEcWarning, or a SHOULD-level warning is recorded
