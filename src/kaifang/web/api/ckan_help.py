"""What ``help_show`` answers: each CKAN action's purpose and parameters, as CKAN documents them.

Every CKAN response links to ``help_show?name=<action>``; CKAN answers with the action's
docstring, so clients and people following the link get the parameters and what this
platform does differently (see docs/api.md).
"""

from __future__ import annotations

ACTION_HELP: dict[str, str] = {
    "help_show": "Return the help string for an API action.\n\n:param name: the action's name, e.g. 'package_search'",
    "status_show": "Return the site's title, URL, version and extensions (datastore).",
    "site_read": "Return True: the site is readable.",
    "package_list": (
        "Return the names of the published datasets (the catalogue code in lower case).\n\n"
        ":param limit: at most this many (default and maximum 10000)\n:param offset: skip this many"
    ),
    "package_show": (
        "Return one dataset with its resources.\n\n"
        ":param id: the dataset's id, name or catalogue code"
    ),
    "package_search": (
        "Search the datasets.\n\n"
        ":param q: words matched in title, summary, keywords and code\n"
        ":param fq: filters such as organization:SLUG, groups:DOMAIN, open_attribute:closed, "
        "metadata_modified:[2021-01-01T00:00:00Z TO *], with AND/OR/NOT\n"
        ":param rows: at most this many results (default 10, maximum 1000)\n"
        ":param start: skip this many results\n"
        ":param sort: e.g. 'metadata_modified desc', 'id asc', 'score desc'\n"
        ":param facet.field: JSON list of fields to count\n:param facet.limit: values per facet\n"
        ":param include_private: include drafts the caller may see"
    ),
    "current_package_list_with_resources": (
        "Return published datasets with their resources, newest first.\n\n"
        ":param limit: at most this many\n:param offset: skip this many"
    ),
    "recently_changed_packages_activity_list": (
        "Return recent changes to published datasets.\n\n:param limit: at most this many"
    ),
    "resource_show": "Return one resource.\n\n:param id: the resource's id",
    "organization_list": (
        "Return the organizations (departments).\n\n"
        ":param all_fields: return dictionaries instead of names"
    ),
    "organization_show": "Return one organization.\n\n:param id: its id or name",
    "group_list": "Return the groups (our domains).\n\n:param all_fields: return dictionaries",
    "group_show": "Return one group (domain).\n\n:param id: its name",
    "group_package_show": (
        "Return a group's published datasets, newest first.\n\n"
        ":param id: the group's name\n:param limit: at most this many (default 25, maximum 1000)"
    ),
    "tag_list": "Return the keywords of published datasets.",
    "license_list": "Return the licences datasets may carry.",
    "datastore_search": (
        "Return rows of a resource's table (only the items the caller may see).\n\n"
        ":param resource_id: the resource\n:param filters: JSON object of column values\n"
        ":param q: text searched in every text column\n:param fields: columns to return\n"
        ":param sort: one column, optionally followed by 'desc'\n"
        ":param limit: at most this many rows (default 100, maximum 1000)\n"
        ":param offset: skip this many rows (at most 10000)\n"
        ":param distinct: keep the first occurrence of each row\n"
        ":param include_total: count the matching rows"
    ),
    "datastore_info": "Return a resource table's columns and types.\n\n:param id: the resource",
    "datastore_search_sql": "Not supported: use datastore_search with filters, q and sort.",
    "package_create": (
        "Create a draft dataset (needs a token).\n\n"
        ":param title: the title\n:param owner_org: the organization\n"
        ":param name: a catalogue code (optional)\n"
        ":param notes: the description; catalogue fields such as open_attribute, "
        "update_frequency, domains may be given at the top level or in extras"
    ),
    "package_update": (
        "Replace a dataset's metadata; on a published dataset the change is staged for "
        "review (needs a token).\n\n:param id: the dataset"
    ),
    "package_patch": "Change the given fields of a dataset (needs a token).\n\n:param id: the dataset",
    "package_revise": (
        "Compare-and-set update of a dataset (needs a token).\n\n"
        ":param match: top-level fields that must hold\n:param update: top-level fields to set"
    ),
    "package_delete": "Withdraw a dataset (needs a token).\n\n:param id: the dataset",
    "resource_create": (
        "Add a resource and ingest its file (needs a token).\n\n"
        ":param package_id: the dataset\n:param upload: the file (multipart)\n"
        ":param url: or an http(s) address to fetch\n:param name: the resource's name"
    ),
    "resource_update": (
        "Replace a resource; a new upload or url becomes a new version (needs a token).\n\n"
        ":param id: the resource"
    ),
    "resource_patch": "Change the given fields of a resource (needs a token).\n\n:param id: the resource",
    "resource_delete": "Remove a resource from its dataset (needs a token).\n\n:param id: the resource",
}
