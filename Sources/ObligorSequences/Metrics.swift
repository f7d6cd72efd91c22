import Foundation
import ObligorMetrics

/// AUC and KS under the suite's conventions (ties half credit; KS = max |F_bad − F_good|), via ObligorMetrics.
public enum SequenceMetrics {
    public static func auc(_ scores: [Double], _ labels: [Int]) -> Double { Discrimination.auc(scores: scores, labels: labels) }
    public static func ks(_ scores: [Double], _ labels: [Int]) -> Double { Discrimination.ks(scores: scores, labels: labels).statistic }
}
