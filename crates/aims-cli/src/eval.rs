//! `aims eval EXPRESSION --system NAME`: one expression's value for one system.

use aims::{OsFs, SourceMap, Vfs};
use aims_report::ColorChoice;

use crate::cli::EvalFormat;
use crate::project::prepare;
use crate::{print_diags, usage, EXIT_FAIL, EXIT_INPUT};

/// `aims eval`: compile the expression with the project's policies and evaluate it for one system.
pub fn eval(
    expression: &str,
    system: &str,
    project: &std::path::Path,
    today: &Option<String>,
    format: EvalFormat,
    color: ColorChoice,
) -> u8 {
    let sources = SourceMap::new();
    let vfs = OsFs;
    let (mut compiled, mut options) = match prepare(
        &vfs,
        project,
        &sources,
        today,
        vec![system.to_string()],
        1,
        None,
        color,
        false,
        aims::ProjectOptions::default(),
    ) {
        Ok(r) => r,
        Err(code) => return code,
    };
    options.progress = None;
    compiled.program = match aims::compile_expression(&sources, &compiled, expression) {
        Ok(p) => p,
        Err(diags) => {
            print_diags(&diags, &sources, color);
            return EXIT_INPUT;
        }
    };
    let run = aims::Run::start(&vfs as &dyn Vfs, &sources, &compiled, &options);
    let Some((value, diags)) = run.evaluate_let(system, aims::EXPRESSION_LET) else {
        return usage(format!("--system `{system}` is not declared in aims.toml"));
    };
    print_diags(&diags, &sources, color);
    match format {
        EvalFormat::Human => print!(
            "{}",
            aims_report::expression::render_expression_human(&value, &sources)
        ),
        EvalFormat::Json => println!(
            "{}",
            aims_report::expression::expression_json(system, expression, &value, &sources)
        ),
    }
    if value.value.is_some() {
        0
    } else {
        EXIT_FAIL
    }
}
