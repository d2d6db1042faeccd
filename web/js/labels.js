// Words for the API's enumerations (api/openapi.json), in one place.

export const SCOPES = {
  'government-devices': 'Government devices',
  'work-devices': 'Work devices',
  'government-networks': 'Government networks',
  public: 'Public (everyone there)',
};

// What each scope covers, for forms and explanations (DESIGN.md §2).
export const SCOPE_HINTS = {
  'government-devices': "devices the issuer's organization (or a body under it) owns",
  'work-devices': "personal devices used for the organization's business",
  'government-networks': "the organization's networks",
  public: 'every device located in the territory: app-store removal, nationwide bans',
};

export const EFFECTS = { ban: 'Ban', restrict: 'Restriction', exempt: 'Exemption' };

// Statuses as of a date; not-yet = the rule's first timeline entry is later.
export const STATUSES = {
  'in-force': 'In force',
  announced: 'Announced',
  'under-review': 'Under review',
  suspended: 'Suspended',
  lifted: 'Lifted',
  'not-yet': 'Not yet',
};

export const TIMELINE_STATUSES = ['under-review', 'announced', 'in-force', 'suspended', 'lifted'];

export const INSTRUMENTS = {
  law: 'Law',
  'executive-order': 'Executive order',
  directive: 'Directive',
  'regulator-order': 'Regulator order',
  guidance: 'Guidance',
  memo: 'Memo',
  'court-order': 'Court order',
};

export const DEVICE_KINDS = {
  government: 'Government device',
  work: 'Work device (personal, used for work)',
  personal: 'Personal device',
};

export const VERDICTS = {
  banned: 'Banned',
  restricted: 'Restricted',
  'under-review': 'Under review',
  allowed: 'Allowed',
};

export const ROLES = {
  decisive: 'Decisive',
  active: 'Active, outranked',
  lifted: 'Lifted',
  exempting: 'Exempting',
  pending: 'Pending',
  inactive: 'Inactive',
};

export function capitalized(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

// "China" for an ISO 3166-1 alpha-2 code (the code itself when the browser does not know it).
export function countryName(code) {
  try {
    return regionNames.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

// 2025-02-01 -> "1 Feb 2025", unambiguous for every reader; the ISO date stays in a <time> element.
export function readableDate(isoDate) {
  if (!isoDate) return '';
  const [year, month, day] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day)).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}
