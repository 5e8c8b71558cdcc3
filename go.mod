module github.com/eventmall/eventmall

go 1.24
