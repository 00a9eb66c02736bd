/**
 * apimachinery name and label validation, ported message-for-message so that what we refuse, and the words
 * we refuse it with, are what a Kubernetes API server would say.
 *
 * Upstream (k8s.io/apimachinery v0.37.2, checked against its source):
 * - isDNS1123Label / isDNS1123Subdomain: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go
 *   (IsDNS1123Label, IsDNS1123Subdomain, MaxLenError, RegexError).
 * - isQualifiedName / isValidLabelValue: validation.go only aliases them now
 *   (`var IsQualifiedName = content.IsLabelKey`, `var IsValidLabelValue = content.IsLabelValue`); the code lives in
 *   staging/src/k8s.io/apimachinery/pkg/api/validate/content/kube.go, with its own helpers in content/errors.go
 *   and content/dns.go.
 *
 * Trade-offs and quirks kept on purpose:
 * - Two different max-length wordings, exactly as upstream: util/validation.MaxLenError says
 *   "must be no more than N characters" (DNS label / subdomain), content.MaxLenError says
 *   "must be no more than N bytes" (label key name part, label key prefix part, label value).
 * - Lengths are UTF-8 byte lengths, like Go's len(string). Non-ASCII input always fails the regexes anyway,
 *   but the byte count decides whether the max-length message is added too.
 * - Regexes are the upstream RE2 patterns; they are anchored, ASCII-only and backtrack at most linearly in V8,
 *   so no extra guard is needed. Callers should still cap the size of whole requests.
 * - Each function returns the list of messages; an empty array means valid.
 */

/** DNS1123LabelMaxLength (util/validation/validation.go). */
export const DNS1123_LABEL_MAX_LENGTH = 63;
/** DNS1123SubdomainMaxLength (util/validation/validation.go). */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
/** labelKeyMaxLength (api/validate/content/kube.go): the name part of a label key. */
export const LABEL_KEY_NAME_MAX_LENGTH = 63;
/** LabelValueMaxLength (api/validate/content/kube.go). */
export const LABEL_VALUE_MAX_LENGTH = 63;

const dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const dns1123SubdomainFmt = dns1123LabelFmt + "(\\." + dns1123LabelFmt + ")*";
const dns1123SubdomainErrorMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

const labelKeyCharFmt = "[A-Za-z0-9]";
const labelKeyExtCharFmt = "[-A-Za-z0-9_.]";
const labelKeyFmt = "(" + labelKeyCharFmt + labelKeyExtCharFmt + "*)?" + labelKeyCharFmt;
const labelKeyErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueFmt = "(" + labelKeyFmt + ")?";
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

// JS `^…$` without the m flag anchors at the very start/end of input, like Go's regexp.
const dns1123LabelRegexp = new RegExp("^" + dns1123LabelFmt + "$");
const dns1123SubdomainRegexp = new RegExp("^" + dns1123SubdomainFmt + "$");
const labelKeyRegexp = new RegExp("^" + labelKeyFmt + "$");
const labelValueRegexp = new RegExp("^" + labelValueFmt + "$");

/** util/validation.MaxLenError: "must be no more than N characters". */
export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** content.MaxLenError (api/validate/content/errors.go): "must be no more than N bytes". */
export function contentMaxLenError(length: number): string {
  return `must be no more than ${length} bytes`;
}

/** EmptyError (both util/validation and content). */
export function emptyError(): string {
  return "must be non-empty";
}

/**
 * RegexError (util/validation and content, identical). Note the upstream double space between examples:
 * each example is followed by "', " and the next one is preceded by " or ".
 */
export function regexError(msg: string, re: string, ...examples: string[]): string {
  if (examples.length === 0) return msg + " (regex used for validation is '" + re + "')";
  let out = msg + " (e.g. ";
  examples.forEach((example, i) => {
    if (i > 0) out += " or ";
    out += "'" + example + "', ";
  });
  return out + "regex used for validation is '" + re + "')";
}

/**
 * Go's len(string): the UTF-8 byte length. A lone surrogate counts 3 bytes (what TextEncoder would write for
 * its U+FFFD replacement).
 */
export function utf8ByteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * IsDNS1123Label (util/validation/validation.go): lower-case alphanumerics and '-', starting and ending
 * alphanumeric, at most 63 characters. A valid subdomain that is not a label gets "must not contain dots".
 */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (utf8ByteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!dns1123LabelRegexp.test(value)) {
    if (dns1123SubdomainRegexp.test(value)) {
      // It was a valid subdomain and not a valid label. Since we already checked length, it must be dots.
      errs.push("must not contain dots");
    } else {
      errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, "my-name", "123-abc"));
    }
  }
  return errs;
}

function dns1123SubdomainErrors(value: string, lenError: (n: number) => string): string[] {
  const errs: string[] = [];
  if (utf8ByteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(lenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!dns1123SubdomainRegexp.test(value)) {
    errs.push(regexError(dns1123SubdomainErrorMsg, dns1123SubdomainFmt, "example.com"));
  }
  return errs;
}

/** IsDNS1123Subdomain (util/validation/validation.go): dot-separated DNS-1123 labels, at most 253 characters. */
export function isDNS1123Subdomain(value: string): string[] {
  return dns1123SubdomainErrors(value, maxLenError);
}

/**
 * IsQualifiedName = content.IsLabelKey (api/validate/content/kube.go): an optional DNS-1123 subdomain prefix and
 * '/', then a name of at most 63 bytes of alphanumerics, '-', '_' and '.', starting and ending alphanumeric.
 * The prefix uses content.IsDNS1123Subdomain, so its length message says "bytes".
 */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  switch (parts.length) {
    case 1:
      name = parts[0];
      break;
    case 2: {
      const prefix = parts[0];
      name = parts[1];
      if (prefix.length === 0) {
        errs.push("prefix part " + emptyError());
      } else {
        for (const msg of dns1123SubdomainErrors(prefix, contentMaxLenError)) errs.push("prefix part " + msg);
      }
      break;
    }
    default:
      return [
        "a valid label key " +
          regexError(labelKeyErrMsg, labelKeyFmt, "MyName", "my.name", "123-abc") +
          " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      ];
  }
  if (name.length === 0) {
    errs.push("name part " + emptyError());
  } else if (utf8ByteLength(name) > LABEL_KEY_NAME_MAX_LENGTH) {
    errs.push("name part " + contentMaxLenError(LABEL_KEY_NAME_MAX_LENGTH));
  }
  if (!labelKeyRegexp.test(name)) {
    errs.push("name part " + regexError(labelKeyErrMsg, labelKeyFmt, "MyName", "my.name", "123-abc"));
  }
  return errs;
}

/** content.IsLabelKey is the current upstream name of IsQualifiedName. */
export const isLabelKey = isQualifiedName;

/**
 * IsValidLabelValue = content.IsLabelValue (api/validate/content/kube.go): empty, or at most 63 bytes of
 * alphanumerics, '-', '_' and '.', starting and ending alphanumeric.
 */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (utf8ByteLength(value) > LABEL_VALUE_MAX_LENGTH) errs.push(contentMaxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!labelValueRegexp.test(value)) {
    errs.push(regexError(labelValueErrMsg, labelValueFmt, "MyValue", "my_value", "12345"));
  }
  return errs;
}

/** content.IsLabelValue is the current upstream name of IsValidLabelValue. */
export const isLabelValue = isValidLabelValue;
