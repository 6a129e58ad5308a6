/**
 * The library API of sensortrace: what docs/library.md documents, and nothing else. Every name
 * here is a promise to library users, so it is chosen, not collected: the use cases with their
 * option and summary types, the readers of the files they write, the pure helpers that compute a
 * comparison or a chart from records in memory, the rule compiler, brokers for tests, errors.
 *
 * The CLI (src/cli) is a thin layer over the same functions and is not part of this API: nothing
 * here imports it (eslint.config.js enforces that). Internals stay reachable by deep import for
 * the project's own tests, without a promise.
 */

// Use cases: each takes plain options (and an AbortSignal) and resolves to a summary.
export { replay, type ReplayOptions, type ReplaySummary, type ReplayProgress } from './app/replay/replay.js';
export { trace, type TraceOptions, type TraceSummary, type TraceStopReason } from './app/trace/trace.js';
export { compare, COMPARE_FORMATS, type CompareOptions, type CompareResult, type CompareFormat, type CompareInputs } from './app/compare/compare.js';
export { runExperiment, type ExperimentOptions, type ExperimentResult, type ExperimentRun, type ExperimentProgress, type ExperimentPhase } from './app/experiment/experiment.js';
export { runProcessor, type ProcessOptions, type ProcessSummary } from './app/process/process.js';
export { generateProfile, type GenerateProfileOptions, type GeneratorPattern, type GenerateProfileResult } from './app/profile/generate-profile.js';
export { startBrokerServer, type BrokerServerOptions, type RunningBrokerServer } from './app/broker/broker-server.js';
export { watch, type WatchOptions } from './app/watch/watch.js';
export { traceLive, type LiveViewOptions, type LiveTraceSummary } from './app/watch/live-view.js';
export { replayLive } from './app/live/replay-live.js';
export { experimentLive } from './app/live/experiment-live.js';
export type { WebViewOptions } from './app/live/web-view.js';
export type { ReplayApiState } from './core/live/replay-state.js';
export type { ExperimentApiState, ExperimentMark } from './core/live/experiment-state.js';

// What the options are made of.
export type { ConnectionOptions } from './io/mqtt/connection.js';
export { systemClock, type Clock } from './io/clock.js';
export type { Pacing } from './core/schedule/schedule.js';
export type { Qos, ProfileRow, SentRecord, TraceRecord, ConnectionEvent, ConnectionEventKind } from './core/records.js';
export { PAYLOAD_FORMATS, encodeReading, decodeReading, type PayloadFormat, type Reading, type DecodedPayload } from './core/mqtt/payload.js';
export { parseScenario, scenarioFromValue, expandMatrix, type Scenario, type RunSpec, type ScenarioBroker, type ScenarioRestart, type ScenarioVariant, type RestartKind, type StateFate } from './core/scenario/scenario.js';
export type { NetworkFault, FaultKind, FaultClient } from './core/experiment/faults.js';
export type { FaultCost } from './core/experiment/fault-cost.js';
export { parseDuration, formatDuration } from './core/duration.js';

// Reading the files the use cases write (and the profiles they read).
export { readProfile, inspectProfile, type ProfileReadOptions, type ProfileSummary, type ProfileFormatOptions } from './io/input/profile-reader.js';
export { readSentLog } from './io/logs/sent-log-reader.js';
export { readReceived, type ReceivedFormat } from './io/logs/trace-reader.js';
export { readEvents } from './io/logs/events-reader.js';

// Comparing and charting records in memory (pure), and rendering a chart.
export { analyse, computeReport, type AnalyseOptions, type CompareReport, type CompareCounts, type CompareDetail, type OutageReport, type SentMessage, type Arrival } from './core/compare/report.js';
export { summaryTable } from './core/compare/summary-table.js';
export { chartData, type ChartData, type ChartDataOptions } from './core/chart/chart-data.js';
export { vegaLiteSpec, type ChartOptions } from './core/chart/vega-lite-spec.js';
export { gnuplotScript, gnuplotData, type GnuplotOptions, type GnuplotTerminal } from './core/chart/gnuplot.js';
export { renderSvg, svgToPng } from './io/output/chart-renderer.js';

// Complex event processing without a broker: compile rules, feed messages, collect emissions.
export { loadRules, parseRules, type LoadedRules } from './io/input/rules-loader.js';
export { compileRuleSet, type RuleSet } from './core/rules/rule-set.js';
export { RuleEngine, type RuleEngineOptions, type InputMessage, type Emission, type PublishEmission, type CsvEmission } from './core/rules/engine.js';

// Brokers for your own tests.
export { startEmbeddedBroker, type EmbeddedBrokerOptions, type RunningEmbeddedBroker } from './io/broker/embedded-broker.js';
export { MosquittoBroker, findMosquitto, type MosquittoOptions, type StopKind } from './io/broker/mosquitto-broker.js';

// Errors: one type; `exitCode` says what kind (2 bad input, 3 unreachable, 4 refused, …).
export { SensortraceError, isSensortraceError, EXIT_CODES, type ErrorCode, type SourceLocation } from './core/errors.js';
