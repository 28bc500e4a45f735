-- *.aims files are aims policies (filetype `aims`).
if vim.filetype and vim.filetype.add then
  vim.filetype.add({ extension = { aims = 'aims' } })
end
vim.cmd([[autocmd BufRead,BufNewFile *.aims setfiletype aims]])
