//! Facts read anywhere in the glue, by one walk over the whole tree: uses of
//! the `wasm` binding, the imports the glue provides, and the expressions the
//! rewrite replaces wherever they are.

use std::collections::{BTreeMap, BTreeSet};

use oxc_ast::ast::*;
use oxc_ast_visit::{walk, Visit};

use super::{ByteSpan, InstanceCall, WasmAssignment};

/// What one walk over the glue found.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) wasm_uses: BTreeMap<String, usize>,
    pub(crate) import_names: BTreeSet<String>,
    pub(crate) exported_names: BTreeMap<String, usize>,
    pub(crate) instance_calls: Vec<InstanceCall>,
    pub(crate) wasm_assignments: Vec<WasmAssignment>,
    pub(crate) load_imports: Vec<ByteSpan>,
    pub(crate) finalization_registries: Vec<ByteSpan>,
    pub(crate) promises: Vec<ByteSpan>,
    pub(crate) js_tags: Vec<ByteSpan>,
    /// `require(…)` calls, assignments to `module.exports`/`exports`.
    pub(crate) requires: bool,
    pub(crate) assigns_exports: bool,
    pub(crate) reads_file_sync: bool,
    pub(crate) deno_read_file: bool,
    /// Bundled glue: names its region declares that the rest of the bundle
    /// uses, the glue's exports as far as the package is concerned.
    pub(crate) used_outside: BTreeSet<String>,
    pub(crate) this_wbg_ptr: bool,
    pub(crate) this_ptr: bool,
    /// How many enclosing functions bind their own `wasm` (a parameter):
    /// inside them `wasm.x` is not the glue's binding.
    shadowed: usize,
}

impl Found {
    /// `__wbg_ptr` (0.2.87+) unless the glue only ever uses `this.ptr`.
    pub(crate) fn ptr_field(&self) -> String {
        if self.this_wbg_ptr || !self.this_ptr {
            "__wbg_ptr"
        } else {
            "ptr"
        }
        .to_string()
    }
}

/// One walk over `statements` (the whole program, or a bundle's glue region).
pub(crate) fn collect(statements: &[Statement<'_>]) -> Found {
    let mut found = Found::default();
    for statement in statements {
        found.visit_statement(statement);
    }
    found
}

/// `name` when `expr` is the identifier `name`.
pub(crate) fn ident_name<'a>(expr: &Expression<'a>) -> Option<&'a str> {
    match expr.without_parentheses() {
        Expression::Identifier(id) => Some(id.name.as_str()),
        _ => None,
    }
}

/// `(object, property)` when `expr` is `object.property` with `object` an identifier.
pub(crate) fn member_of<'a>(expr: &Expression<'a>) -> Option<(&'a str, &'a str)> {
    match expr.without_parentheses() {
        Expression::StaticMemberExpression(m) => {
            Some((ident_name(&m.object)?, m.property.name.as_str()))
        }
        _ => None,
    }
}

/// The export name `target` assigns when it is `exports.x`, `module.exports.x` or `__exports.x`.
pub(crate) fn exports_member<'a>(target: &AssignmentTarget<'a>) -> Option<&'a str> {
    let AssignmentTarget::StaticMemberExpression(m) = target else {
        return None;
    };
    let property = m.property.name.as_str();
    match m.object.without_parentheses() {
        Expression::Identifier(id) if id.name == "exports" || id.name == "__exports" => {
            Some(property)
        }
        object if member_of(object) == Some(("module", "exports")) => Some(property),
        _ => None,
    }
}

/// `X.exports` → the span of `X`.
fn exports_of(expr: &Expression<'_>) -> Option<ByteSpan> {
    match expr.without_parentheses() {
        Expression::StaticMemberExpression(m) if m.property.name == "exports" => {
            Some(ByteSpan::of(m.object.span()))
        }
        _ => None,
    }
}

use oxc_span::GetSpan;

impl<'a> Found {
    fn wasm_assignment(&mut self, statement: ByteSpan, declares: bool, value: &Expression<'a>) {
        // `exports.__wasm = X.exports` (0.2.105-era nodejs glue hands them out too).
        let (handed_out, value) = match value.without_parentheses() {
            Expression::AssignmentExpression(a)
                if matches!(a.left, AssignmentTarget::StaticMemberExpression(_)) =>
            {
                (Some(ByteSpan::of(a.left.span())), &a.right)
            }
            other => (None, other),
        };
        if let Some(instance) = exports_of(value) {
            self.wasm_assignments.push(WasmAssignment {
                statement,
                declares,
                instance,
                handed_out,
            });
        }
    }
}

fn binds_wasm(params: &FormalParameters<'_>) -> bool {
    params
        .items
        .iter()
        .any(|p| p.pattern.get_identifier_name().is_some_and(|n| n == "wasm"))
}

impl<'a> Visit<'a> for Found {
    fn visit_function(&mut self, it: &Function<'a>, flags: oxc_syntax::scope::ScopeFlags) {
        let shadows = binds_wasm(&it.params);
        self.shadowed += usize::from(shadows);
        walk::walk_function(self, it, flags);
        self.shadowed -= usize::from(shadows);
    }

    fn visit_arrow_function_expression(&mut self, it: &ArrowFunctionExpression<'a>) {
        let shadows = binds_wasm(&it.params);
        self.shadowed += usize::from(shadows);
        walk::walk_arrow_function_expression(self, it);
        self.shadowed -= usize::from(shadows);
    }

    fn visit_static_member_expression(&mut self, it: &StaticMemberExpression<'a>) {
        match it.object.without_parentheses() {
            Expression::Identifier(id) if id.name == "wasm" && self.shadowed == 0 => {
                self.wasm_uses
                    .entry(it.property.name.to_string())
                    .or_insert(it.span.start as usize);
            }
            Expression::Identifier(id) if id.name == "Deno" && it.property.name == "readFile" => {
                self.deno_read_file = true;
            }
            Expression::ThisExpression(_) if it.property.name == "__wbg_ptr" => {
                self.this_wbg_ptr = true;
            }
            Expression::ThisExpression(_) if it.property.name == "ptr" => self.this_ptr = true,
            _ => {}
        }
        walk::walk_static_member_expression(self, it);
    }

    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        let callee = ByteSpan::of(it.callee.span());
        if member_of(&it.callee) == Some(("WebAssembly", "Instance")) && it.arguments.len() == 2 {
            self.instance_calls.push(InstanceCall {
                span: ByteSpan::of(it.span),
                module: ByteSpan::of(it.arguments[0].span()),
                imports: ByteSpan::of(it.arguments[1].span()),
            });
        }
        match ident_name(&it.callee) {
            Some("FinalizationRegistry") => self.finalization_registries.push(callee),
            Some("Promise") => self.promises.push(ByteSpan {
                start: it.span.start as usize,
                end: callee.end,
            }),
            _ => {}
        }
        walk::walk_new_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        match ident_name(&it.callee) {
            Some("require") => self.requires = true,
            Some("readFileSync") => self.reads_file_sync = true,
            Some("__wbg_load" | "load") => {
                if let Some(last) = it.arguments.last() {
                    if last.as_expression().and_then(ident_name) == Some("imports") {
                        self.load_imports.push(ByteSpan::of(last.span()));
                    }
                }
            }
            _ => {}
        }
        if let Some((_, "readFileSync")) = member_of(&it.callee) {
            self.reads_file_sync = true;
        }
        walk::walk_call_expression(self, it);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        if let Some(name) = exports_member(&it.left) {
            self.assigns_exports = true;
            self.import_names.insert(name.to_string());
            self.exported_names
                .entry(name.to_string())
                .or_insert(it.span.start as usize);
        }
        if let AssignmentTarget::StaticMemberExpression(m) = &it.left {
            // `imports.wbg.name = …` (older web/no-modules glue).
            if let Expression::StaticMemberExpression(inner) = m.object.without_parentheses() {
                if ident_name(&inner.object) == Some("imports") && inner.property.name == "wbg" {
                    self.import_names.insert(m.property.name.to_string());
                }
            }
        }
        walk::walk_assignment_expression(self, it);
    }

    fn visit_expression_statement(&mut self, it: &ExpressionStatement<'a>) {
        if let Expression::AssignmentExpression(a) = it.expression.without_parentheses() {
            if let AssignmentTarget::AssignmentTargetIdentifier(id) = &a.left {
                if id.name == "wasm" {
                    self.wasm_assignment(ByteSpan::of(it.span), false, &a.right);
                }
            }
            if let AssignmentTarget::StaticMemberExpression(m) = &a.left {
                if member_of(&m.object).is_none()
                    && ident_name(&m.object) == Some("module")
                    && m.property.name == "exports"
                {
                    self.assigns_exports = true;
                }
            }
        }
        walk::walk_expression_statement(self, it);
    }

    fn visit_variable_declaration(&mut self, it: &VariableDeclaration<'a>) {
        if let [decl] = it.declarations.as_slice() {
            if decl.id.get_identifier_name().is_some_and(|n| n == "wasm") {
                if let Some(init) = &decl.init {
                    self.wasm_assignment(ByteSpan::of(it.span), true, init);
                }
            }
        }
        for decl in &it.declarations {
            if let Some(init) = &decl.init {
                if member_of(init) == Some(("WebAssembly", "JSTag")) {
                    self.js_tags.push(ByteSpan::of(init.span()));
                }
            }
        }
        walk::walk_variable_declaration(self, it);
    }

    fn visit_object_property(&mut self, it: &ObjectProperty<'a>) {
        // Deno and newer glue list imports as `name: function(…)` properties.
        if let PropertyKey::StaticIdentifier(key) = &it.key {
            if matches!(
                it.value.without_parentheses(),
                Expression::FunctionExpression(_)
            ) {
                self.import_names.insert(key.name.to_string());
            }
        }
        if member_of(&it.value) == Some(("WebAssembly", "JSTag")) {
            self.js_tags.push(ByteSpan::of(it.value.span()));
        }
        walk::walk_object_property(self, it);
    }

    fn visit_export_declaration(&mut self, it: &ExportDeclaration<'a>) {
        {
            let decl = &it.declaration;
            let names: Vec<String> = match decl {
                Declaration::FunctionDeclaration(f) => {
                    f.id.iter().map(|id| id.name.to_string()).collect()
                }
                Declaration::ClassDeclaration(c) => {
                    c.id.iter().map(|id| id.name.to_string()).collect()
                }
                Declaration::VariableDeclaration(v) => v
                    .declarations
                    .iter()
                    .filter_map(|d| d.id.get_identifier_name().map(|n| n.to_string()))
                    .collect(),
                _ => Vec::new(),
            };
            for name in names {
                if matches!(decl, Declaration::FunctionDeclaration(_)) {
                    self.import_names.insert(name.clone());
                }
                self.exported_names
                    .entry(name)
                    .or_insert(it.span.start as usize);
            }
        }
        walk::walk_export_declaration(self, it);
    }

    fn visit_export_named_declaration(&mut self, it: &ExportNamedDeclaration<'a>) {
        for spec in &it.specifiers {
            self.exported_names
                .entry(spec.exported.name().to_string())
                .or_insert(spec.span.start as usize);
        }
        walk::walk_export_named_declaration(self, it);
    }
}
