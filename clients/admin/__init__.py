"""The agency's admin for clients, one module per concept: the site list with its client column, filters and
bulk actions, and the unmapped sites (`sites`); clients with their sites, rules and users, the CSV import
and invitations (`clients`); mapping rules with the preview and apply page (`rules`); client users
(`members`); the agency's branding (`branding`). Importing them here registers them with the admin site.

Data from Kinsta (site names, labels, domains) is untrusted: columns build HTML only with format_html /
format_html_join, never mark_safe. Every write goes through the services (clients.assignment,
clients.mapping, clients.invitations, clients.csv_import).
"""

from clients.admin import branding, clients, members, rules, sites

__all__ = ["branding", "clients", "members", "rules", "sites"]
