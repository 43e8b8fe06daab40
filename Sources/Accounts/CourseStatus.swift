import Foundation
import JSON

/// A course's publication state (`course_status`); new courses are drafts.
public enum CourseStatus: String, CaseIterable, Sendable {
    case draft, published, archived

    /// One byte for index keys; stable, never reused.
    var indexByte: UInt8 {
        switch self {
        case .draft: 1
        case .published: 2
        case .archived: 3
        }
    }
}

/// Where a course's generation pipeline is (`generation_status`); a course whose generation never started has
/// none (nil).
public enum GenerationStatus: String, CaseIterable, Sendable {
    case pending
    case stage2Init = "stage_2_init", stage2Processing = "stage_2_processing", stage2Complete = "stage_2_complete"
    case stage2AwaitingApproval = "stage_2_awaiting_approval"
    case stage3Init = "stage_3_init", stage3Summarizing = "stage_3_summarizing", stage3Complete = "stage_3_complete"
    case stage3AwaitingApproval = "stage_3_awaiting_approval"
    case stage4Init = "stage_4_init", stage4Analyzing = "stage_4_analyzing", stage4Complete = "stage_4_complete"
    case stage4AwaitingApproval = "stage_4_awaiting_approval"
    case stage5Init = "stage_5_init", stage5Generating = "stage_5_generating", stage5Complete = "stage_5_complete"
    case stage5AwaitingApproval = "stage_5_awaiting_approval"
    case finalizing, completed, failed, cancelled

    /// The statuses this one may move to: the platform's `trg_validate_generation_status` table (§6.4) for the
    /// statuses of the contract's enum. Each stage moves forward (skipping its working state is allowed, as the
    /// trigger allows `stage_2_init → stage_2_complete`), to `failed` or to `cancelled`; an awaiting-approval
    /// state cannot fail; `completed`, `failed` and `cancelled` restart at `pending` or any `stage_n_init`.
    public var allowedNextStatuses: Set<GenerationStatus> {
        switch self {
        case .pending: [.stage2Init, .stage4Init, .cancelled]
        case .stage2Init: [.stage2Processing, .stage2Complete, .stage2AwaitingApproval, .stage4Init, .failed, .cancelled]
        case .stage2Processing: [.stage2Complete, .stage2AwaitingApproval, .failed, .cancelled]
        case .stage2Complete: [.stage2AwaitingApproval, .stage3Init, .stage3Summarizing, .stage4Init, .failed, .cancelled]
        case .stage2AwaitingApproval: [.stage3Init, .stage3Summarizing, .stage4Init, .cancelled]
        case .stage3Init: [.stage3Summarizing, .stage3Complete, .stage3AwaitingApproval, .stage2Complete, .failed, .cancelled]
        case .stage3Summarizing: [.stage3Complete, .stage3AwaitingApproval, .stage2Complete, .failed, .cancelled]
        case .stage3Complete: [.stage3AwaitingApproval, .stage4Init, .failed, .cancelled]
        case .stage3AwaitingApproval: [.stage4Init, .cancelled]
        case .stage4Init: [.stage4Analyzing, .stage4Complete, .stage4AwaitingApproval, .failed, .cancelled]
        case .stage4Analyzing: [.stage4Complete, .stage4AwaitingApproval, .failed, .cancelled]
        case .stage4Complete: [.stage4AwaitingApproval, .stage5Init, .failed, .cancelled]
        case .stage4AwaitingApproval: [.stage5Init, .cancelled]
        case .stage5Init: [.stage5Generating, .stage5Complete, .stage5AwaitingApproval, .failed, .cancelled]
        case .stage5Generating: [.stage5Complete, .stage5AwaitingApproval, .failed, .cancelled]
        case .stage5Complete: [.stage5AwaitingApproval, .finalizing, .failed, .cancelled]
        case .stage5AwaitingApproval: [.stage5Complete, .finalizing, .cancelled]
        case .finalizing: [.completed, .failed, .cancelled]
        case .completed, .failed, .cancelled: [.pending, .stage2Init, .stage3Init, .stage4Init, .stage5Init]
        }
    }

    /// Whether a course may move from `old` to `new`. As the trigger: a course that never started (nil) may take
    /// any status, staying put is always allowed, and clearing the status (back to nil) is allowed.
    public static func canTransition(from old: GenerationStatus?, to new: GenerationStatus?) -> Bool {
        guard let old, let new, old != new else { return true }
        return old.allowedNextStatuses.contains(new)
    }

    /// Throws `conflict` with the trigger's message
    /// (`Invalid generation status transition: stage_2_awaiting_approval -> stage_2_init (course_id: …)`).
    public static func validateTransition(from old: GenerationStatus?, to new: GenerationStatus?, courseID: UUID) throws(AccountsError) {
        guard canTransition(from: old, to: new) else {
            let id = courseID.lowercasedString
            throw .conflict("Invalid generation status transition: \(old?.rawValue ?? "null") -> \(new?.rawValue ?? "null") (course_id: \(id))")
        }
    }
}
