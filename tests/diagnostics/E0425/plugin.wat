;; Hostile: huge() answers 2 MiB (over the 1 MiB default cap); claims_4gib() claims an answer of almost 4 GiB;
;; out_of_bounds() points its answer past the end of memory.
(module
  (memory (export "memory") 40)
  (func (export "aims_abi_version") (result i32) (i32.const 1))
  ;; Every input goes at offset 4096; memory grows to fit it.
  (func (export "aims_alloc") (param $len i32) (result i32)
    (block $done
      (loop $grow
        (br_if $done (i64.le_u (i64.add (i64.const 4096) (i64.extend_i32_u (local.get $len)))
                               (i64.mul (i64.extend_i32_u (memory.size)) (i64.const 65536))))
        (drop (memory.grow (i32.const 1)))
        (br $grow)))
    (i32.const 4096))
  (data (i32.const 16) "{\"functions\":[{\"name\":\"ok\",\"params\":[],\"returns\":\"bool\"},{\"name\":\"huge\",\"params\":[],\"returns\":\"string\"},{\"name\":\"claims_4gib\",\"params\":[],\"returns\":\"string\"},{\"name\":\"out_of_bounds\",\"params\":[],\"returns\":\"string\"}]}")
  (func (export "aims_manifest") (result i64) (i64.const 68719476951))
  (data (i32.const 2048) "{\"ok\":true}")
  ;; ok() -> bool: always answers true; used to check the plugin still works after a failure.
  (func (export "aims_fn_ok") (param i32 i32) (result i64) (i64.const 8796093022219))
  (func (export "aims_fn_huge") (param i32 i32) (result i64)
    ;; {"ok":"xxxx...x"} of exactly 2 MiB at offset 65536
    (memory.fill (i32.const 65536) (i32.const 120) (i32.const 2097152))
    (i32.store (i32.const 65536) (i32.const 0x6b6f227b))  ;; {"ok
    (i32.store (i32.const 65540) (i32.const 0x78223a22))  ;; ":"x
    (i32.store16 (i32.const 2162686) (i32.const 0x7d22)) ;; "}
    (i64.const 281474978807808))
  (func (export "aims_fn_claims_4gib") (param i32 i32) (result i64) (i64.const 4294967280))
  (func (export "aims_fn_out_of_bounds") (param i32 i32) (result i64) (i64.const 18446462598732840976))
)
