/* xsell: cross-sell and up-sell suggestions from association rules
 * between products bought together (FP-growth). */
#include <math.h>
#include <string.h>

#include "siklus.h"
#include "crm/xsell.h"

static const char usage[] =
	"Usage: xsell [OPTIONS] [FILE...]\n"
	"Read a transaction log with a product column and find association rules\n"
	"between products bought together: a basket is one order (customer and\n"
	"order_id), or one customer's purchases of a day when a row has no order\n"
	"id.  Frequent product sets are mined with FP-growth; a rule A -> b has\n"
	"support n(A,b)/N, confidence n(A,b)/n(A) and lift confidence/(n(b)/N),\n"
	"N baskets.  Writes one row per customer, in order of first appearance:\n"
	"customer_id, products_bought, xsell_1..K (products not yet bought, ranked\n"
	"by confidence x lift of the best rule of lift above 1 whose antecedent\n"
	"the customer bought), xsell_rule_1..K (that rule), and, when the log has\n"
	"category and price columns, upsell (the cheapest product priced above the\n"
	"dearest one the customer bought in the category where it bought most).\n"
	"\n"
	"  --min-support X      itemsets in at least X of the baskets (a fraction,\n"
	"                       default 0.001; never fewer than 1 basket)\n"
	"  --min-confidence X   keep rules of confidence X or more (default 0.1)\n"
	"  --max-rules N        keep the N best rules by lift, then confidence\n"
	"                       (default 1000); suggestions use these rules\n"
	"  --max-len N          itemsets of up to N products, 2 to 5 (default 2:\n"
	"                       rules a -> b; 3 adds a + b -> c)\n"
	"  --max-itemsets N     stop (exit 65) when mining finds more than N\n"
	"                       frequent itemsets (default 5000000: at most some 400 MB);\n"
	"                       raise --min-support or lower --max-len instead\n"
	"  -k N                 cross-sell suggestions per customer (default 3)\n"
	"  --rules              write the rule table instead: antecedent,\n"
	"                       consequent, support, confidence, lift, count\n"
	"  --product COL        product column (default product)\n"
	"  --category COL       category column (default category, if present)\n"
	"  --price COL          unit price column (default price, if present)\n"
	"  --quantity COL       quantity column (default quantity, if present);\n"
	"                       a line of quantity 0 or less is not a purchase\n";

enum { O_MINSUP = 1, O_MINCONF, O_MAXRULES, O_MAXLEN, O_MAXISETS, O_K, O_RULES, O_PRODUCT,
       O_CATEGORY, O_PRICE, O_QUANTITY };

static const struct sk_opt own[] = {
	{ "min-support", 1, 0, O_MINSUP },
	{ "min-confidence", 1, 0, O_MINCONF },
	{ "max-rules", 1, 0, O_MAXRULES },
	{ "max-len", 1, 0, O_MAXLEN },
	{ "max-itemsets", 1, 0, O_MAXISETS },
	{ "k", 1, 'k', O_K },
	{ "rules", 0, 0, O_RULES },
	{ "product", 1, 0, O_PRODUCT },
	{ "category", 1, 0, O_CATEGORY },
	{ "price", 1, 0, O_PRICE },
	{ "quantity", 1, 0, O_QUANTITY },
	{ NULL, 0, 0, 0 },
};

/* A whole number option in [lo, hi]; exits 64.  name as written (-k). */
static double whole(const char *name, const char *arg, double lo, double hi)
{
	double v;
	if (sk_num_parse(arg, strlen(arg), &v) || v < lo || v > hi || v != floor(v))
		sk_die(SK_EX_USAGE, "%s: \"%s\" is not a whole number from %g to %g\n"
		       "Try '%s --help' for more information.", name, arg, lo, hi, sk_progname);
	return v;
}

static void on_opt(int id, const char *arg, void *ctx)
{
	struct sk_xsell_opts *x = ctx;
	switch (id) {
	case O_MINSUP: x->min_support = sk_opt_fraction("min-support", arg); break;
	case O_MINCONF: x->min_confidence = sk_opt_fraction("min-confidence", arg); break;
	case O_MAXRULES: x->max_rules = (size_t)whole("--max-rules", arg, 1, 1e9); break;
	case O_MAXLEN: x->max_len = (int)whole("--max-len", arg, 2, SK_XSELL_MAX_LEN); break;
	case O_MAXISETS: x->max_itemsets = (size_t)whole("--max-itemsets", arg, 1, 1e12); break;
	case O_K: x->k = (int)whole("-k", arg, 0, 100); break;
	case O_RULES: x->rules_only = 1; break;
	case O_PRODUCT: x->col_product = arg; break;
	case O_CATEGORY: x->col_category = arg; x->need_category = 1; break;
	case O_PRICE: x->col_price = arg; x->need_price = 1; break;
	case O_QUANTITY: x->col_quantity = arg; x->need_quantity = 1; break;
	}
}

int main(int argc, char **argv)
{
	struct sk_opts o = SK_OPTS_INIT;
	struct sk_xsell_opts xo = SK_XSELL_OPTS_INIT;
	sk_parse_args(&o, argc, argv, usage, own, on_opt, &xo);

	struct sk_xsell *x = sk_xsell_read(&o, &xo);
	sk_xsell_mine(x);
	struct sk_writer *out = sk_writer_open(&o, sk_xsell_format(x));
	if (xo.rules_only)
		sk_xsell_write_rules(x, out);
	else
		sk_xsell_write_customers(x, out);
	sk_writer_close(out);
	sk_xsell_free(x);
	return 0;
}
