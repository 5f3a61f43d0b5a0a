/*
 * Just enough PromQL to find which series a query reads: strings, label matchers, ranges,
 * numbers and durations are dropped, label lists of by/without/on/ignoring/group_* are dropped,
 * and every identifier left is a function, an aggregation, a keyword or a metric name.
 */

const FUNCTIONS = new Set(
  (
    "abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil changes clamp clamp_max clamp_min " +
    "cos cosh count_over_time day_of_month day_of_week day_of_year days_in_month deg delta deriv exp floor " +
    "histogram_quantile holt_winters hour idelta increase irate label_join label_replace last_over_time ln log10 log2 " +
    "max_over_time min_over_time minute month pi predict_linear present_over_time quantile_over_time rad rate resets " +
    "round scalar sgn sin sinh sort sort_desc sqrt stddev_over_time stdvar_over_time sum_over_time tan tanh time " +
    "timestamp vector year"
  ).split(" "),
);
const AGGREGATIONS = new Set("sum min max avg group stddev stdvar count count_values bottomk topk quantile".split(" "));
const KEYWORDS = new Set("by without on ignoring group_left group_right offset bool and or unless atan2 inf nan start end".split(" "));

export interface Parsed {
  /** Metric names (and recording-rule names) the query selects. */
  readonly metrics: string[];
  /** Problems that make the query unreadable: unknown functions, unbalanced brackets. */
  readonly errors: string[];
}

function balanced(expr: string): string | undefined {
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  const stack: string[] = [];
  for (const c of expr) {
    if (c === "(" || c === "[" || c === "{") stack.push(c);
    else if (c in pairs && stack.pop() !== pairs[c]) return `unbalanced "${c}"`;
  }
  return stack.length ? `unclosed "${stack.at(-1)}"` : undefined;
}

export function parsePromQL(expr: string): Parsed {
  const errors: string[] = [];
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""').replace(/#[^\n]*/g, "");
  const problem = balanced(bare);
  if (problem) errors.push(problem);
  const stripped = bare
    .replace(/\{[^{}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " $1 ")
    .replace(/(?<![\w:])(?:\d+(?:\.\d*)?(?:e[+-]?\d+)?|0x[0-9a-f]+)(?:ms|[smhdwy])?(?![\w:])/gi, " ");
  const metrics = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w:$])([a-zA-Z_:][\w:]*)\s*(\()?/g)) {
    const [, name = "", call] = m;
    if (call) {
      if (!FUNCTIONS.has(name) && !AGGREGATIONS.has(name) && !KEYWORDS.has(name)) errors.push(`unknown function ${name}()`);
    } else if (!KEYWORDS.has(name) && !AGGREGATIONS.has(name)) metrics.add(name);
  }
  return { metrics: [...metrics], errors };
}

/** Grafana's label_values(selector, label) variable query: the PromQL part is the selector. */
export function variableSelector(query: string): string {
  const m = /^\s*label_values\(\s*(.*),\s*\w+\s*\)\s*$/s.exec(query);
  return m?.[1] ?? query;
}

/** A Grafana query made plain PromQL: the range variables become durations, $variables match anything. */
export function concreteQuery(expr: string, rateInterval = "1m"): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, rateInterval)
    .replace(/"\$\w+"/g, '".*"')
    .replace(/\$\{?[a-zA-Z_]\w*\}?/g, ".*");
}
