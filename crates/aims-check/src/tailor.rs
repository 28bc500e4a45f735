//! Tailoring a pack without editing it: `aims.toml` `[enforcement]` sets the level of controls
//! the policies declare. Applied to the checked [`Program`], so the evaluator and every renderer
//! see the project's level; each change is recorded in [`Program::enforcement_changes`] for the
//! Statement of Applicability.

use aims_base::diag::did_you_mean;
use aims_base::Diagnostic;
use aims_facts::codes as fact_codes;
use aims_facts::EnforcementOverride;

use crate::program::{EnforcementChange, Program};
use crate::Enforcement;

/// Give each control named by `overrides` its level. An id no control has (`E0170`) and a
/// level that is not one (`E0171`) are errors located in `aims.toml`: the run must not go on
/// with a control at a level the project did not mean.
pub fn tailor_enforcement(
    program: &mut Program,
    overrides: &[EnforcementOverride],
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut changes = Vec::new();
    for o in overrides {
        let Some(to) = Enforcement::parse(&o.level) else {
            let mut d = Diagnostic::coded(
                fact_codes::info::E_BAD_ENFORCEMENT_OVERRIDE,
                format!(
                    "unknown enforcement level `{}` for `{}`",
                    o.level, o.control
                ),
            )
            .with_primary(
                o.level_span,
                "expected `advisory`, `mandatory` or `blocking`",
            );
            if let Some(s) = did_you_mean(&o.level, ["advisory", "mandatory", "blocking"]) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            diags.push(d);
            continue;
        };
        let Some(control) = program.controls.iter_mut().find(|c| c.id == o.control) else {
            diags.push(unknown_control(program, o));
            continue;
        };
        changes.push(EnforcementChange {
            control: o.control.clone(),
            from: control.enforcement,
            to,
            reason: o.reason.clone(),
            set_at: o.key_span,
        });
        std::sync::Arc::make_mut(control).enforcement = to;
    }
    changes.sort_by(|a, b| crate::natural_cmp(&a.control, &b.control));
    program.enforcement_changes = changes;
    diags
}

fn unknown_control(program: &Program, o: &EnforcementOverride) -> Diagnostic {
    let d = Diagnostic::coded(
        fact_codes::info::E_UNKNOWN_TAILORED_CONTROL,
        format!(
            "`[enforcement]` names `{}`, and no policy declares such a control",
            o.control
        ),
    )
    .with_primary(o.key_span, "unknown control");
    let ids = program.controls.iter().map(|c| c.id.as_str());
    match did_you_mean(&o.control, ids) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")).with_suggestion(
            o.key_span,
            format!("\"{s}\""),
            format!("rename to `{s}`"),
        ),
        None if program.controls.is_empty() => d.with_note("the policies declare no controls"),
        None => d.with_note(
            "an enforcement level is set for a control of the policies; an objective keeps its own",
        ),
    }
}
