(module
  (func (export "aims_abi_version") (result i32)
    (i64.const 1))
)
