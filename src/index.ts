/** The public API of sensortrace: the CLI is a thin layer over these. */
export * from './core/errors.js';
export * from './core/records.js';
export { csvCell, csvLine, CsvParser, escapeFormula, unescapeFormula, payloadToCell as encodePayloadCell, cellToPayload as decodePayloadCell, type CsvRecord } from './core/csv/csv.js';
export * from './core/duration.js';
export { redactUrl } from './core/mqtt/redact-url.js';
export { systemClock, type Clock } from './io/clock.js';
export { openConnection, describeBroker, type ConnectionOptions, type MqttConnection } from './io/mqtt/connection.js';
export { startEmbeddedBroker, type EmbeddedBrokerOptions, type RunningEmbeddedBroker } from './io/broker/embedded-broker.js';
export { MosquittoBroker, findMosquitto, type MosquittoOptions, type StopKind } from './io/broker/mosquitto-broker.js';
export { BufferedFileWriter } from './io/output/buffered-file-writer.js';
export { readCsvRecords } from './io/csv/csv-file-reader.js';
export { freePort } from './io/broker/free-port.js';
export { runMain } from './cli/main.js';

// replay and profiles
export { replay, type ReplayOptions, type ReplaySummary, type ReplayProgress } from './app/replay/replay.js';
export { generateProfile, type GenerateProfileResult } from './app/profile/generate-profile.js';
export { readProfile, inspectProfile, readProfileInTimeOrder, detectProfileLayout, type ProfileSummary, type ProfileReadOptions } from './io/input/profile-reader.js';
export { SentLogWriter, sentLogLine } from './io/logs/sent-log-writer.js';
export { ProgressLine, type ProgressLineOptions } from './io/output/progress-line.js';
export { detectLayout, parseIsoTime, parseTimeCell, parseValueCell, TIME_FORMATS, type ProfileFormatOptions, type ProfileLayout, type ProfileShape, type TimeFormat } from './core/profile/format.js';
export { plannedOffset, loopPeriodMs, type Pacing } from './core/schedule/schedule.js';
export { PacingStats, type PacingPercentiles } from './core/schedule/pacing-stats.js';
export { compileTopicTemplate, topicProblem, TOPIC_FIELDS, type TopicTemplate } from './core/mqtt/topic-template.js';
export { generateProfileLines, GENERATOR_PATTERNS, type GenerateProfileOptions, type GeneratorPattern } from './core/profile/generate.js';

// complex event processing
export { runProcessor, PROCESS_LOG_COLUMNS, type ProcessOptions, type ProcessSummary } from './app/process/process.js';
export { compileExpression, evaluateCondition, evaluateNumber, ExpressionError, type CompiledExpression, type Variables, type ScalarValue } from './core/expression/evaluate.js';
export { compileTemplate, type CompiledTemplate } from './core/expression/template.js';
export { compileRuleSet, type RuleSet, type CompiledRule, type Action as RuleAction, type Pattern, type DataSource } from './core/rules/rule-set.js';
export { RuleEngine, type InputMessage, type Emission, type PublishEmission, type CsvEmission, type LookupTables, type RuleEngineStats } from './core/rules/engine.js';
export { loadRules, parseRules, type LoadedRules } from './io/input/rules-loader.js';
export { loadLookupTable } from './io/input/lookup-table.js';
export { encodeReading, decodeReading, userPropertiesFor, formatNumber, PAYLOAD_FORMATS, type PayloadFormat, type Reading, type DecodedPayload } from './core/mqtt/payload.js';

// compare
export { compare, COMPARE_FORMATS, zoneLabelAt, type CompareOptions, type CompareResult, type CompareFormat, type CompareInputs } from './app/compare/compare.js';
export { analyse, computeReport, sendTime, type AnalyseOptions, type CompareReport, type CompareCounts, type OutageReport, type CompareDetail, type SentMessage, type Arrival } from './core/compare/report.js';
export { outageWindows, type OutageWindow } from './core/compare/outages.js';
export { summaryTable } from './core/compare/summary-table.js';
export { readSentLog, readProfileAsSent } from './io/logs/sent-log-reader.js';
export { readReceived, type ReceivedFormat } from './io/logs/trace-reader.js';
export { readEvents } from './io/logs/events-reader.js';
export { renderSvg, svgToPng } from './io/output/chart-renderer.js';

// trace
export { trace, type TraceOptions, type TraceSummary, type TraceStopReason } from './app/trace/trace.js';
export { TraceWriter, type TraceWriterOptions } from './io/logs/trace-writer.js';
export { toTraceRecord, traceCsvHeader, traceCsvLine, traceJsonLine, traceColumnIndex, parseTraceCells, type ReceivedMessage } from './core/trace/trace-row.js';
export { parseTopicFilter, topicMatches, anyFilterMatches, type ParsedFilter } from './core/mqtt/topic-filter.js';
export { compileLineFormat, verboseLine, type LineMessage, type LineFormatOptions, type LineFormatter } from './core/trace/line-format.js';

// experiments and brokers
export { runExperiment, reportInputs, filterForTemplate, type ExperimentOptions, type ExperimentResult, type ExperimentRun, type ExperimentProgress, type ExperimentPhase } from './app/experiment/experiment.js';
export { startBrokerServer, readPasswordFile, type BrokerServerOptions, type RunningBrokerServer } from './app/broker/broker-server.js';
export { createBrokerControl, EmbeddedBrokerChild, MosquittoControl, ExternalBrokerControl, type BrokerControl, type BrokerSpec, type EmbeddedChildOptions, type ExternalBrokerOptions } from './io/broker/broker-control.js';
export { FilePersistence, type FilePersistenceOptions, type BrokerSnapshot } from './io/broker/file-persistence.js';
export { parseScenario, scenarioFromValue, expandMatrix, describeRestarts, type Scenario, type RunSpec, type ScenarioBroker, type ScenarioVariant, type ScenarioRestart, type RestartKind, type StateFate } from './core/scenario/scenario.js';
export { reportJson, headlineTable, type ReportRunInput, type ExperimentReportJson, type ReportRunJson } from './core/report/model.js';
export { markdownReport } from './core/report/markdown.js';
export { htmlReport } from './core/report/html.js';
export { writeExperimentReports, type ReportFiles } from './io/output/report-writer.js';

// credentials and topics
export { setPasswordPrompter, ttyPrompter, readPasswordFromTty, hideArgvFromProcessTitle, argvCarriesSecret, type PasswordPrompter } from './cli/connection-flags.js';
export { UNWELCOME } from './core/mqtt/topic-template.js';

// compact tables for large comparisons
export { SentTable, ArrivalTable, NameTable, NO_QOS, type SentColumns } from './core/compare/match.js';
export { readSentTable, readSentTableInBackground } from './io/logs/sent-log-reader.js';
export { readReceivedTable } from './io/logs/trace-reader.js';
export { readCsvBatches } from './io/csv/csv-file-reader.js';

// resuming a replay
export { resumePlan, type ResumePlan } from './core/schedule/schedule.js';
export { readSentLogState, handedOverPathFor, type SentLogState, type SentLogWriterOptions } from './io/logs/sent-log-writer.js';
export { readProfileBatches, readProfileInTimeOrderBatches, inspectProfileKeepingRows } from './io/input/profile-reader.js';
