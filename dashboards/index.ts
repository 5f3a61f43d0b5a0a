/** @edgefleet/dashboards: The SRE kit: Grafana dashboards, Prometheus rules and their lint. Everything other packages may import is exported here. */

export { boards } from "./boards/index.js";
export { PENDING_METRICS } from "./contract.js";
export { exportedFamilies } from "./exported.js";
export { familyProblems, type KitInput, kitInput, lintKit } from "./lint.js";
export { allRules, dashboardFiles, KIT_DIRS, ruleFiles, ruleTestFiles } from "./load.js";
export { concreteQuery, parsePromQL } from "./promql.js";
export { dashboardQueries } from "./queries.js";
