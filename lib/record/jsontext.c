/* jsontext.c: finding the ends of JSON values in text that jansson has
 * validated (or will), so that a value's exact text can pass through
 * (1.50 stays 1.50) and an array's records can be cut out of it. */
#include "iopriv.h"

/* The end of the JSON string that starts at p[i] (a quote): the index
 * past its closing quote.  The text was validated by jansson. */
size_t sk_json_skip_string(const char *p, size_t len, size_t i)
{
	for (i++; i < len && p[i] != '"'; i++)
		if (p[i] == '\\')
			i++;
	return i + 1;
}

/* The end of the JSON value at p[i]: a string, an array or object (to its
 * matching bracket), or a number or literal (to the next delimiter). */
size_t sk_json_skip_value(const char *p, size_t len, size_t i)
{
	if (p[i] == '"')
		return sk_json_skip_string(p, len, i);
	if (p[i] == '{' || p[i] == '[') {
		int depth = 0;
		while (i < len) {
			if (p[i] == '"') {
				i = sk_json_skip_string(p, len, i);
				continue;
			}
			if (p[i] == '{' || p[i] == '[')
				depth++;
			else if (p[i] == '}' || p[i] == ']') {
				if (--depth == 0)
					return i + 1;
			}
			i++;
		}
		return i;
	}
	while (i < len && p[i] != ',' && p[i] != '}' && p[i] != ']' && p[i] != ' ' &&
	       p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
		i++;
	return i;
}

size_t sk_json_ws(const char *p, size_t len, size_t i)
{
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i;
}
