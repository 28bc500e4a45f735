" Vim syntax file
" Language: aims (policy as code for ISO/IEC 42001)
" Filenames: *.aims

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
syn iskeyword @,48-57,_

" Comments: `//` and `///` doc comments.
syn keyword aimsTodo contained TODO FIXME XXX NOTE
syn match aimsComment "//.*$" contains=aimsTodo,@Spell
syn match aimsDocComment "///.*$" contains=aimsTodo,@Spell

" Items and their ids (ids may contain `-` and `.`: MC-1, A.7.5, R-001).
syn keyword aimsItem control objective risk waiver nextgroup=aimsId skipwhite
syn match aimsId "\<[A-Za-z0-9_]\%([A-Za-z0-9_-]\|\.\ze[A-Za-z0-9_]\)*" contained
syn keyword aimsTreatedBy treated_by nextgroup=aimsIdList skipwhite
syn match aimsIdList "[A-Za-z0-9_.,\- \t]\+" contained contains=aimsId2
syn match aimsId2 "[A-Za-z0-9_][A-Za-z0-9_.\-]*" contained
syn keyword aimsDecl schema plugin let fn nextgroup=aimsName skipwhite
syn match aimsName "\<[A-Za-z_][A-Za-z0-9_]*" contained

" Statements inside items.
syn keyword aimsStatement clause applies_to enforce measure target owner review every
syn keyword aimsStatement likelihood impact reason approver expires
syn match aimsStatement "\<system\ze\s*\""
syn keyword aimsConditional require when else
syn keyword aimsEnforcement advisory mandatory blocking

" Expressions.
syn keyword aimsOperator and or not in starts_with ends_with matches
syn match aimsOperator "\<contains\>"
syn keyword aimsQuantifier all any none count
syn keyword aimsBuiltin exists len
syn keyword aimsBoolean true false
syn keyword aimsNull null
syn match aimsProperty "\.\@1<=\<[A-Za-z_][A-Za-z0-9_]*"
syn match aimsPluginCall "\<[A-Za-z_][A-Za-z0-9_]*::[A-Za-z_][A-Za-z0-9_]*\ze\s*("
syn match aimsFunction "\<[A-Za-z_][A-Za-z0-9_]*\ze\s*("

" Literals: dates before durations before numbers.
syn match aimsNumber "\<\d\+\%(\.\d\+\)\=\%([eE][+-]\=\d\+\)\=\>"
syn match aimsDuration "\<\d\+\%(mo\|d\|w\|y\|h\)\>"
syn match aimsDate "\<\d\{4}-\d\{2}-\d\{2}\>"

" Strings with escapes and `{expr}` interpolation.
syn region aimsString start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ contains=aimsEscape,aimsInterpolation,@Spell
syn match aimsEscape "\\[\"\\nt{]" contained
syn region aimsInterpolation matchgroup=aimsInterpolationDelim start="{" end="}" contained
      \ contains=aimsOperator,aimsQuantifier,aimsBuiltin,aimsBoolean,aimsNull,aimsNumber,aimsDuration,aimsDate,aimsProperty,aimsFunction,aimsPluginCall

" Schema field types.
syn keyword aimsType string number int bool duration any list map enum

hi def link aimsComment Comment
hi def link aimsDocComment SpecialComment
hi def link aimsTodo Todo
hi def link aimsItem Keyword
hi def link aimsId Identifier
hi def link aimsId2 Identifier
hi def link aimsTreatedBy Keyword
hi def link aimsDecl Keyword
hi def link aimsName Function
hi def link aimsStatement Statement
hi def link aimsConditional Conditional
hi def link aimsEnforcement Constant
hi def link aimsOperator Operator
hi def link aimsQuantifier Repeat
hi def link aimsBuiltin Function
hi def link aimsFunction Function
hi def link aimsPluginCall Function
hi def link aimsBoolean Boolean
hi def link aimsNull Constant
hi def link aimsNumber Number
hi def link aimsDuration Number
hi def link aimsDate Number
hi def link aimsString String
hi def link aimsEscape SpecialChar
hi def link aimsInterpolationDelim Delimiter
hi def link aimsType Type

let b:current_syntax = 'aims'

let &cpo = s:cpo_save
unlet s:cpo_save
