// Parity-test fixture: the install script fetched with wget and piped into sudo bash.
pipeline {
    agent { label 'docker' }
    environment {
        DAGGER_BIN = "${env.HOME}/.local/bin"
    }
    stages {
        stage('Install Dagger') {
            steps {
                sh label: 'install', script: 'wget -qO- https://dl.dagger.io/dagger/install.sh | DAGGER_VERSION=0.19.7 BIN_DIR="$HOME/.local/bin" sudo -E bash'
            }
        }
        stage('Check') {
            when { changeRequest() }
            steps {
                sh(script: "dagger call check")
            }
        }
        stage('Plan') {
            steps {
                sh('''\
                  dagger call aws \\
                    --access-key-id=env://AWS_ACCESS_KEY_ID \\
                    --secret-access-key=env://AWS_SECRET_ACCESS_KEY \\
                    --session-token=env://AWS_SESSION_TOKEN \\
                    --region="$AWS_REGION" \\
                    environment \\
                    --name="$EVENTMALL_ENVIRONMENT" \\
                    --state-bucket="$TF_STATE_BUCKET" \\
                    --lock-table="$TF_LOCK_TABLE" \\
                    plan > plan.md
                ''')
            }
        }
        stage('Deploy') {
            when { branch 'main' }
            steps {
                /* a comment with a brace { and a 'quote */
                sh '''
                    dagger call aws \
                      --access-key-id=env://AWS_ACCESS_KEY_ID \
                      --secret-access-key=env://AWS_SECRET_ACCESS_KEY \
                      --session-token=env://AWS_SESSION_TOKEN \
                      --region="$AWS_REGION" \
                      environment \
                      --name="$EVENTMALL_ENVIRONMENT" \
                      --state-bucket="$TF_STATE_BUCKET" \
                      --lock-table="$TF_LOCK_TABLE" \
                      --slack-token=env://SLACK_BOT_TOKEN \
                      --slack-channel="$SLACK_CHANNEL" \
                      deploy \
                      summary
                '''
            }
        }
    }
}
