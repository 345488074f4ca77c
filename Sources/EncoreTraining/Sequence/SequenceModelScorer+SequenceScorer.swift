import EncoreEvaluation
import EncoreModels

// The RNN scorer already has the evaluator's begin / score / advance shape; EncoreModels does
// not depend on EncoreEvaluation, so the conformance is declared here.
extension SequenceModelScorer: SequenceScorer {}
