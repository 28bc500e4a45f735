-- The aims language server for Neovim: starts `aims lsp` for every buffer of filetype `aims` and
-- attaches it; YAML, JSON and Markdown buffers inside a project (below an `aims.toml`) are
-- attached too, so the cards and records it declares get their diagnostics as they are typed.
-- One server runs per project (the directory holding the nearest `aims.toml`).
--
--   require('aims').setup()                          -- `aims` on $PATH
--   require('aims').setup({ cmd = { '/path/to/aims', 'lsp' }, on_attach = my_on_attach })
--
-- Works with Neovim 0.7 (vim.lsp.start_client + vim.lsp.buf_attach_client) and uses vim.lsp.start
-- where it exists (0.8 and later).
local M = {}

M.config = {
  cmd = { 'aims', 'lsp' },
  name = 'aims',
  filetypes = { 'aims' },
  -- attached only inside a project: the server checks the ones aims.toml declares
  fact_filetypes = { 'yaml', 'json', 'markdown', 'toml' },
  on_attach = nil,
  capabilities = nil,
  settings = {},
  init_options = nil,
}

-- root (directory) -> client id, for Neovim without vim.lsp.start
local clients = {}

-- The directory of the nearest aims.toml above `path`, or nil.
function M.project_dir(path)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  while true do
    if vim.loop.fs_stat(dir .. '/aims.toml') then
      return dir
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return nil
    end
    dir = parent
  end
end

-- The directory of the nearest aims.toml above `path`, else the file's own directory.
function M.root_dir(path)
  return M.project_dir(path) or vim.fn.fnamemodify(path, ':p:h')
end

local function client_config(root)
  local cfg = M.config
  return {
    name = cfg.name,
    cmd = cfg.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    capabilities = cfg.capabilities or vim.lsp.protocol.make_client_capabilities(),
    settings = cfg.settings,
    -- e.g. { today = '2026-11-24' } to evaluate as of that date, { bookUrl = '...' }
    init_options = cfg.init_options,
    on_attach = cfg.on_attach,
  }
end

local function client_alive(id)
  local c = vim.lsp.get_client_by_id(id)
  return c ~= nil and not c.is_stopped()
end

-- Start (or reuse) the server for the buffer's project and attach it. Returns the client id.
function M.attach(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == '' then
    return nil
  end
  local root = M.root_dir(path)
  local config = client_config(root)
  -- completion with <C-x><C-o> unless the user set up something else
  if vim.bo[bufnr].omnifunc == '' then
    vim.bo[bufnr].omnifunc = 'v:lua.vim.lsp.omnifunc'
  end
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients[root]
  if id == nil or not client_alive(id) then
    id = vim.lsp.start_client(config)
    if id == nil then
      vim.notify('aims: cannot start ' .. table.concat(config.cmd, ' '), vim.log.levels.ERROR)
      return nil
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', M.config, opts or {})
  local group = vim.api.nvim_create_augroup('aims_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  if #M.config.fact_filetypes > 0 then
    vim.api.nvim_create_autocmd('FileType', {
      group = group,
      pattern = M.config.fact_filetypes,
      callback = function(args)
        local path = vim.api.nvim_buf_get_name(args.buf)
        if path ~= '' and M.project_dir(path) ~= nil then
          M.attach(args.buf)
        end
      end,
    })
  end
  -- buffers opened before setup()
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(M.config.filetypes, vim.bo[buf].filetype) then
      M.attach(buf)
    end
  end
end

return M
