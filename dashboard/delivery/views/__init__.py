"""The delivery pages: the archive of sent reports, staff's delivery actions, and share links.

- `archive`: the client's Sent reports page (with delivery status and share links for staff) and the
  archived PDFs, byte for byte as sent;
- `sends`: staff send a period now, approve a draft, send a sent report again;
- `sharing`: staff create and revoke share links; the share page and its PDF, without a login.

Every view that names a client goes through `clients.access.get_client_for_user` first (404 for clients
the user may not see); staff-only actions then refuse everyone else with 404 too. The share-link views
need no login and show only the linked client's report, read-only.
"""
