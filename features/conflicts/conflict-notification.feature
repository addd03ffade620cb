# Spec: [MS-OXCFXICS] 3.1.5.6.3.1 (conflict notification message), 2.2.1.4.1 (PidTagResolveMethod),
# 2.2.1.4.2 (PidTagConflictEntryId), 3.1.5.6.2.1 (conflict resolve message).
# Digest: R-247 (group T). The notification is for the owner of a public folder; the test user creates
# (and owns) the folder, so it is looked for in the user's Inbox, read on a private logon.
Feature: Conflict notification messages for public-folder conflicts

  Background:
    Given a public folder with 2 messages
    And the client has synchronized contents

  # [MS-OXCFXICS] 3.1.5.6.3.1 (R-247: SHOULD generate; the MUST properties when generated), 3.1.5.6.2.1
  @R-247 @needs-public-folders
  Scenario: A conflict in a public folder notifies the folder's owner (MS-OXCFXICS 3.1.5.6.3.1)
    Given on the server, message m1 is modified
    And the client modifies message m1 locally, later than the server change
    When the client uploads its local changes without FailOnConflict
    Then on the server, message m1 is a conflict resolve message whose body is the client's version
    And the folder owner's Inbox holds a conflict notification message for m1 naming folder Sync, or a SHOULD-level warning is recorded

  # [MS-OXCFXICS] 3.1.5.6.3.1 (R-247: MUST NOT with RESOLVE_NO_CONFLICT_NOTIFICATION), 2.2.1.4.1 (R-245)
  @R-247 @R-245 @needs-public-folders
  Scenario: RESOLVE_NO_CONFLICT_NOTIFICATION suppresses the conflict notification (MS-OXCFXICS 3.1.5.6.3.1)
    Given on the server, property PidTagResolveMethod of folder Sync is set to 2
    And on the server, message m1 is modified
    And the client modifies message m1 locally, later than the server change
    When the client uploads its local changes without FailOnConflict
    Then on the server, message m1 is a conflict resolve message whose body is the client's version
    And the folder owner's Inbox holds no conflict notification message
